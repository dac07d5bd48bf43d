import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { recordingLog } from '../support/recordingLog.js';
import { Periodic } from '../../app/engine/periodic.js';
import { tryPeriodicLock } from '../../app/engine/sql/tryPeriodicLock.js';

/**
 * Issue 13 (engine survivors): a process that does not lead the periodic round (another holds
 * its lock) still rebuilds its ready index when its own index writes failed (periodic.ts,
 * `if (!led) repairQueueIfDirty()`).
 */
describe('a periodic round this process does not lead', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('periodicFollower', 'redis');
  });
  afterAll(() => h.cleanup());

  it('repairs the index its own failed write left stale', async () => {
    let clock = Date.now();
    const engine = h.engineWith({ now: () => clock });
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/follower');
    await prime(engine);
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);
    expect(await indexed()).toEqual([a, b]);

    // The hold is committed, but its index write fails: 1.1 stays in the index.
    h.redis!.disconnect();
    try {
      await engine.setHeld(a, true);
    } finally {
      await h.redis!.connect();
    }
    expect(await indexed()).toEqual([a, b]);
    clock += 5000;

    const periodic = new Periodic({ db: h.t.db, engine, log: recordingLog(), intervalMs: 10 });
    const leader = await h.t.openAnother();
    await leader.transaction(async (tx) => {
      expect(await tryPeriodicLock(tx)).toBe(true);
      expect(await periodic.runOnce()).toBe(false);
    });
    expect(await indexed()).toEqual([b]);
  });
});
