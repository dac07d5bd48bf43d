import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { TestDb } from '../support/db.js';
import { insertProject } from '../support/fixtures.js';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';

/**
 * Issue 13 (engine survivors): repairQueueIfDirty (a process that does not lead the periodic
 * round) rebuilds the index only after its own write failed and the back-off is over; a clean
 * index is left alone, even one short of an entry (that is the periodic round's to repair).
 */
describe('repairQueueIfDirty', () => {
  let h: EngineHarness;
  let t: TestDb;
  let redis: Redis;
  beforeAll(async () => {
    h = await engineHarness('indexRepairIfDirty', 'redis');
    ({ t } = h);
    redis = h.redis!;
  });
  afterAll(() => h.cleanup());

  it('leaves a clean index alone, waits out the back-off, then rebuilds after a failed write', async () => {
    let clock = Date.now();
    const queue = h.queue;
    const engine = h.engineWith({ now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/if-dirty');
    await prime(engine);
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    const indexed = () => queue.ordered(t.db, { projectId: p.projectId }, 10);

    // Clean, though short of 1.2: not this call's to repair.
    await queue.remove([b]);
    await engine.repairQueueIfDirty();
    expect(await indexed()).toEqual([a]);

    redis.disconnect();
    try {
      await engine.setHeld(a, true);
    } finally {
      await redis.connect();
    }
    // Dirty but still backed off: nothing yet.
    await engine.repairQueueIfDirty();
    expect(await indexed()).toEqual([a]);
    clock += 5000;
    await engine.repairQueueIfDirty();
    expect(await indexed()).toEqual([b]);
    // The rebuild cleaned it: the next check only repairs.
    expect((await engine.maintainQueue()).rebuilt).toBe(false);
  });

  it('a check while Redis is down fails, and does not leave a clean index marked for a rebuild', async () => {
    const engine = h.engineWith({});
    await insertProject(t.db, [{ key: '1.1' }], 'acme/if-dirty-down');
    await prime(engine);
    redis.disconnect();
    try {
      await expect(engine.maintainQueue()).rejects.toThrow();
    } finally {
      await redis.connect();
    }
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: false });
  });

  it('a failed rebuild keeps the index marked: the next check rebuilds it', async () => {
    let clock = Date.now();
    const engine = h.engineWith({ now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }], 'acme/if-dirty-kept');
    await prime(engine);
    redis.disconnect();
    try {
      await engine.setHeld(p.ids.get('1.1')!, true);
      clock += 5000;
      await expect(engine.maintainQueue()).rejects.toThrow();
    } finally {
      await redis.connect();
    }
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: true, reason: 'writes failed' });
  });
});
