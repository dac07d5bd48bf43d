import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../support/engine.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import type { FleetPort } from '../../app/github/ports.js';

/**
 * Issue 12: one project lookup, case-insensitive as GitHub treats owner and repository names. A
 * webhook that spells the repository "codertocat/hello-world" after an install that said
 * "Codertocat/Hello-World" is the same project, not a second one.
 */
describe('one project per repository, whatever the letter case', () => {
  let h: EngineHarness;
  let port: FleetPort;
  beforeAll(async () => {
    h = await engineHarness('projects', 'postgres');
    port = createSqlPort(h.t.db, { engine: engineHooks(h.engine) });
  });
  afterAll(() => h.cleanup());

  it('ensureProject finds the existing project under another case and keeps its name', async () => {
    const a = await port.ensureProject({ owner: 'Codertocat', repo: 'Hello-World', installationId: 7 });
    const b = await port.ensureProject({ owner: 'codertocat', repo: 'hello-world', defaultBranch: 'trunk' });
    expect(b.id).toBe(a.id);
    expect(b).toMatchObject({ owner: 'Codertocat', repo: 'Hello-World', installationId: 7, defaultBranch: 'trunk' });
    const n = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM projects`);
    expect(n.rows[0]!.n).toBe(1);
    expect((await port.findProject('CODERTOCAT', 'HELLO-WORLD'))?.id).toBe(a.id);
  });

  it('detaching an installation by repository name ignores the letter case', async () => {
    const p = await port.ensureProject({ owner: 'Acme', repo: 'Fleet', installationId: 9 });
    await port.detachInstallation(9, [{ owner: 'acme', repo: 'fleet' }]);
    expect((await port.findProject('Acme', 'Fleet'))?.installationId).toBeNull();
    expect(p.installationId).toBe(9);
  });

  it('a second spelling cannot be inserted behind the lookup (migration 0014)', async () => {
    await port.ensureProject({ owner: 'Octo', repo: 'Repo' });
    await expect(h.t.db.query(`INSERT INTO projects (owner, repo) VALUES ('octo', 'repo')`)).rejects.toThrow(/projects_name_ci_idx/);
  });
});
