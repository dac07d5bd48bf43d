import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): an edit writes only the fields it names (pool routing, branch
 * and pull request survive a priority edit), and an edge that exists already adds nothing.
 */
describe('an edit leaves what it does not name', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('editKeepsFields', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('a priority edit keeps the pool, the branch and the pull request; a git edit keeps what it does not send', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1', pool: 'gpu' }], 'acme/keeps');
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    await h.engine.updateTask(id, { branch: 'fleet/1.1', prNumber: 12, prUrl: 'https://github.com/acme/keeps/pull/12' });
    const r = await h.engine.setPriority(id, 0);
    expect(r.changed).toBe(true);
    expect(r.task).toMatchObject({ priority: 0, requiredPool: 'gpu', branch: 'fleet/1.1', prNumber: 12, prUrl: 'https://github.com/acme/keeps/pull/12' });
    const g = await h.engine.setGit(id, { prNumber: 13 }, { kind: 'admin' });
    expect(g).toMatchObject({ requiredPool: 'gpu', branch: 'fleet/1.1', prNumber: 13, prUrl: 'https://github.com/acme/keeps/pull/12' });
    // Null clears what is named.
    expect((await h.engine.setRequiredPool(id, null)).task.requiredPool).toBeNull();
  });

  it('an edge that exists already adds nothing and moves nothing', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/edges');
    await prime(h.engine);
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    expect(await h.engine.addDependencies(b, [a])).toEqual({ added: 1, refused: [] });
    expect(await h.engine.addDependencies(b, [a, a])).toEqual({ added: 0, refused: [] });
    const { rows } = await h.t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dependencies WHERE task_id = $1`, [b]);
    expect(rows[0]!.n).toBe(1);
  });
});
