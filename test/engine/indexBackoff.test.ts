import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { freshRedis } from '../support/redis.js';
import { insertProject } from '../support/fixtures.js';
import { prime } from '../support/engine.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';

/**
 * Issue 13 (engine survivors): the ready index's back-off and dirty flag (app/engine/readyIndex.ts):
 * a fresh index is not dirty (its first check repairs, it does not rebuild); a failed write backs
 * the index off for exactly one second.
 * Also the claim gate (app/engine/engine.ts): a gate that refuses stops every claim until removed.
 */
describe('ready index back-off, dirty flag and the claim gate', () => {
  let t: TestDb;
  let r: Awaited<ReturnType<typeof freshRedis>>;
  beforeAll(async () => {
    t = await freshDb('indexBackoff', { backend: 'postgres' });
    r = await freshRedis('indexBackoff');
  });
  afterAll(async () => {
    await r.cleanup();
    await t.cleanup();
  });

  it('a fresh index is checked, not rebuilt; the back-off after a failed write lasts one second', async () => {
    let clock = Date.now();
    const queue = new RedisQueue(r.redis, r.prefix);
    const engine = new Engine({ db: t.db, queue, events: new LocalEventBus(), now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/backoff');
    await prime(engine);
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: false });
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    r.redis.disconnect();
    try {
      await engine.setHeld(a, true);
    } finally {
      await r.redis.connect();
    }
    // Exactly one second later the index is tried again: this write goes through.
    clock += 1000;
    await engine.setHeld(b, true);
    expect(await queue.ordered(t.db, { projectId: p.projectId }, 10)).toEqual([a]);
  });

  it('a claim gate that refuses stops claims until it is removed; a new claim has no run yet', async () => {
    const engine = new Engine({ db: t.db, queue: new RedisQueue(r.redis, r.prefix), events: new LocalEventBus() });
    const p = await insertProject(t.db, [{ key: '1.1' }], 'acme/gate');
    await prime(engine);
    const agent = await engine.heartbeatAgent({ name: 'gated', pool: 'linux' });
    const asked: [string, number | undefined][] = [];
    engine.setClaimGate(async (pool, projectId) => {
      asked.push([pool, projectId]);
      return false;
    });
    expect(await engine.claim(agent.id, { projectId: p.projectId })).toBeNull();
    expect(asked).toEqual([['linux', p.projectId]]);
    engine.setClaimGate(null);
    const c = await engine.claim(agent.id, { projectId: p.projectId });
    expect(c?.task.key).toBe('1.1');
    expect(c?.assignment.workflowRunId).toBeNull();
  });
});
