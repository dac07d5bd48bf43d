import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { Periodic } from '../../app/engine/periodic.js';
import { recordingLog } from '../support/recordingLog.js';

/**
 * Issue 13 (engine survivors): what the periodic round does to the Redis index and says about it:
 * a full rebuild every `rebuildEvery` rounds (it drops entries a repair would keep), a warning
 * with the count when entries were missing, and no lease line when nothing expired.
 */
describe('the periodic round and the ready index (Redis ordering)', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('periodicIndexChecks', 'redis');
  });
  afterAll(() => h.cleanup());

  async function project() {
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], `acme/checks-${++seq}`);
    await prime(h.engine);
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);
    return { ids: [p.ids.get('1.1')!, p.ids.get('1.2')!], indexed };
  }

  it('rebuilds the index on every `rebuildEvery`-th round only', async () => {
    const { ids, indexed } = await project();
    // Finished behind the engine's back, readiness already cleared: a stale entry the readiness
    // refresh does not see and a repair keeps; only a full rebuild drops it.
    await h.t.db.query(`UPDATE tasks SET status = 'done', ready_since = NULL WHERE id = $1`, [ids[0]]);
    const log = recordingLog();
    const p = new Periodic({ db: h.t.db, engine: h.engine, log, intervalMs: 10, rebuildEvery: 2 });
    expect(await p.runOnce()).toBe(true);
    expect(await indexed()).toEqual(ids);
    expect(await p.runOnce()).toBe(true);
    expect(await indexed()).toEqual([ids[1]]);
    // Nothing expired, nothing missing, a scheduled rebuild: nothing to say.
    expect(log.lines).toEqual([]);
  });

  it('warns how many entries were missing when it puts them back', async () => {
    const { ids, indexed } = await project();
    await h.queue.remove([ids[1]!]);
    const log = recordingLog();
    const p = new Periodic({ db: h.t.db, engine: h.engine, log, intervalMs: 10, rebuildEvery: 1000 });
    expect(await p.runOnce()).toBe(true);
    expect(await indexed()).toEqual(ids);
    expect(log.lines).toEqual([{ level: 'warn', obj: { missing: 1 }, msg: 'ready index was missing entries: put back from Postgres' }]);
  });
});
