import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { freshRedis } from '../support/redis.js';
import { insertProject } from '../support/fixtures.js';
import { prime } from '../support/engine.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';

/**
 * Issue 13 (engine survivors): repairQueueIfDirty (a process that does not lead the periodic
 * round) rebuilds the index only after its own write failed and the back-off is over; a clean
 * index is left alone, even one short of an entry (that is the periodic round's to repair).
 */
describe('repairQueueIfDirty', () => {
  let t: TestDb;
  let r: Awaited<ReturnType<typeof freshRedis>>;
  beforeAll(async () => {
    t = await freshDb('indexRepairIfDirty', { backend: 'postgres' });
    r = await freshRedis('indexRepairIfDirty');
  });
  afterAll(async () => {
    await r.cleanup();
    await t.cleanup();
  });

  it('leaves a clean index alone, waits out the back-off, then rebuilds after a failed write', async () => {
    let clock = Date.now();
    const queue = new RedisQueue(r.redis, r.prefix);
    const engine = new Engine({ db: t.db, queue, events: new LocalEventBus(), now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/if-dirty');
    await prime(engine);
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    const indexed = () => queue.ordered(t.db, { projectId: p.projectId }, 10);

    // Clean, though short of 1.2: not this call's to repair.
    await queue.remove([b]);
    await engine.repairQueueIfDirty();
    expect(await indexed()).toEqual([a]);

    r.redis.disconnect();
    try {
      await engine.setHeld(a, true);
    } finally {
      await r.redis.connect();
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
    const queue = new RedisQueue(r.redis, r.prefix);
    const engine = new Engine({ db: t.db, queue, events: new LocalEventBus() });
    await insertProject(t.db, [{ key: '1.1' }], 'acme/if-dirty-down');
    await prime(engine);
    r.redis.disconnect();
    try {
      await expect(engine.maintainQueue()).rejects.toThrow();
    } finally {
      await r.redis.connect();
    }
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: false });
  });

  it('a failed rebuild keeps the index marked: the next check rebuilds it', async () => {
    let clock = Date.now();
    const queue = new RedisQueue(r.redis, r.prefix);
    const engine = new Engine({ db: t.db, queue, events: new LocalEventBus(), now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }], 'acme/if-dirty-kept');
    await prime(engine);
    r.redis.disconnect();
    try {
      await engine.setHeld(p.ids.get('1.1')!, true);
      clock += 5000;
      await expect(engine.maintainQueue()).rejects.toThrow();
    } finally {
      await r.redis.connect();
    }
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: true, reason: 'writes failed' });
  });
});
