import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, type EngineHarness } from '../support/engine.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import type { FleetPort } from '../../app/github/ports.js';
import { projectById } from '../../app/engine/sql/projectById.js';
import { ensureProject } from '../../app/engine/sql/ensureProject.js';

/**
 * Issue 13 (engine survivors): a project's settings as every project read maps them (lease
 * length, attempt limit, demo flag, conflict mode), the read by id, detaching one repository of
 * an installation that has several, and ensureProject's bounded retry when no row comes back.
 */
describe('project settings and project reads', () => {
  let h: EngineHarness;
  let port: FleetPort;
  beforeAll(async () => {
    h = await engineHarness('projectSettings', 'postgres');
    port = createSqlPort(h.t.db, { engine: engineHooks(h.engine) });
  });
  afterAll(() => h.cleanup());

  it("a repository's lease length and attempt limit are written and read back, by name and by id", async () => {
    const p = await port.ensureProject({ owner: 'acme', repo: 'settings' });
    expect(p).toMatchObject({ leaseTtlSeconds: null, maxAttempts: null, demo: false, conflictMode: null });
    await port.setProjectSettings(p.id, { leaseTtlSeconds: 1200, maxAttempts: 5 });
    expect(await port.findProject('acme', 'settings')).toMatchObject({ id: p.id, leaseTtlSeconds: 1200, maxAttempts: 5 });
    expect(await projectById(h.t.db, p.id)).toEqual({
      id: p.id,
      owner: 'acme',
      repo: 'settings',
      defaultBranch: 'main',
      installationId: null,
      leaseTtlSeconds: 1200,
      maxAttempts: 5,
      demo: false,
      conflictMode: null,
    });
    expect(await projectById(h.t.db, p.id + 10_000)).toBeNull();
  });

  it('the demo flag and the conflict mode are read as stored', async () => {
    const p = await port.ensureProject({ owner: 'acme', repo: 'demo' });
    await h.t.db.query(`UPDATE projects SET demo = true, conflict_mode = 'forbid' WHERE id = $1`, [p.id]);
    expect(await projectById(h.t.db, p.id)).toMatchObject({ demo: true, conflictMode: 'forbid' });
    await h.t.db.query(`UPDATE projects SET demo = false, conflict_mode = 'ignore' WHERE id = $1`, [p.id]);
    expect(await port.findProject('acme', 'demo')).toMatchObject({ demo: false, conflictMode: 'ignore' });
  });

  it('detaching one repository of an installation leaves its other repositories attached', async () => {
    await port.ensureProject({ owner: 'Multi', repo: 'One', installationId: 31 });
    await port.ensureProject({ owner: 'Multi', repo: 'Two', installationId: 31 });
    await port.detachInstallation(31, [{ owner: 'multi', repo: 'one' }]);
    expect((await port.findProject('Multi', 'One'))?.installationId).toBeNull();
    expect((await port.findProject('Multi', 'Two'))?.installationId).toBe(31);
    // No list: every repository of the installation.
    await port.detachInstallation(31);
    expect((await port.findProject('Multi', 'Two'))?.installationId).toBeNull();
  });

  it('ensureProject asks three times when no row comes back, then says which project failed', async () => {
    // A trigger that drops the insert and counts the attempts: what a lost race looks like, forever.
    await h.t.db.query(`CREATE TABLE ensure_attempts (n int NOT NULL)`);
    await h.t.db.query(`CREATE FUNCTION drop_ghost() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ensure_attempts VALUES (1); RETURN NULL; END $$`);
    await h.t.db.query(`CREATE TRIGGER drop_ghost BEFORE INSERT ON projects FOR EACH ROW WHEN (NEW.owner = 'ghost') EXECUTE FUNCTION drop_ghost()`);
    try {
      await expect(ensureProject(h.t.db, { owner: 'ghost', repo: 'town' })).rejects.toThrow('project ghost/town could not be created or found');
      const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ensure_attempts`);
      expect(rows[0]!.n).toBe(3);
    } finally {
      await h.t.db.query(`DROP TRIGGER drop_ghost ON projects`);
    }
  });
});
