import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/** Issue 13 (engine survivors): refreshAll counts the tasks whose readiness it changed, both ways. */
describe('refreshAll', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('refreshAllCount', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('counts the tasks that became ready and those that stopped being ready', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2', deps: ['1.1'] }, { key: '1.3' }], 'acme/refresh');
    await prime(h.engine);
    expect(await h.engine.refreshAll()).toBe(0);
    // Written behind the engine's back: 1.1 done (1.2 becomes ready), 1.3 cancelled (no longer ready).
    await h.t.db.query(`UPDATE tasks SET status = 'done' WHERE id = $1`, [p.ids.get('1.1')!]);
    await h.t.db.query(`UPDATE tasks SET status = 'cancelled' WHERE id = $1`, [p.ids.get('1.3')!]);
    expect(await h.engine.refreshAll()).toBe(3);
  });
});
