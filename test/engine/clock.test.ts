import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { freshRedis } from '../support/redis.js';
import { insertProject } from '../support/fixtures.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';
import { poppedClaim } from '../../app/queue/poppedClaim.js';
import { proposalOf, type ClaimPorts, type ClaimStep } from '../../app/queue/claimStrategy.js';
import type { ClaimFilter } from '../../app/queue/claimFilter.js';
import { QueueUnavailableError, type QueueEntry, type ReadyQueue } from '../../app/queue/readyQueue.js';
import type { Queryable } from '../../app/store/db.js';

/**
 * Issue 12: the engine has a clock. After the Redis index fails, claims skip it for a second of
 * the engine's own time (not the wall clock's) and go through Postgres ordering; once that time
 * has passed, the index is asked again. The backend supplies its claim strategy (here the Redis
 * one, poppedClaim, over a backend whose pops can be made to fail).
 */
class FlakyRedis implements ReadyQueue {
  readonly kind = 'redis' as const;
  failing = false;
  pops = 0;
  constructor(private readonly inner: RedisQueue) {}
  async next(tx: Queryable, f: ClaimFilter): Promise<number | null> {
    this.pops++;
    if (this.failing) throw new QueueUnavailableError('redis claim failed: connection reset (test)');
    return this.inner.next(tx, f);
  }
  claim<C>(ports: ClaimPorts<C>, agentId: number, projectId: number | undefined): Promise<ClaimStep<C>> {
    return poppedClaim(async (tx, f) => proposalOf(await this.next(tx, f)), ports, agentId, projectId);
  }
  add = (e: QueueEntry[]) => this.inner.add(e);
  remove = (ids: number[]) => this.inner.remove(ids);
  rebuild = (db: Queryable) => this.inner.rebuild(db);
  intact = () => this.inner.intact();
  repair = (db: Queryable) => this.inner.repair(db);
  ordered = (db: Queryable, f: Partial<ClaimFilter>, limit: number) => this.inner.ordered(db, f, limit);
  close = () => this.inner.close();
}

describe('the engine clock drives the Redis backoff', () => {
  let t: TestDb;
  let redis: Awaited<ReturnType<typeof freshRedis>>;
  beforeAll(async () => {
    t = await freshDb('engine_clock', { backend: 'postgres' });
    redis = await freshRedis('engine_clock');
  });
  afterAll(async () => {
    await redis?.cleanup();
    await t?.cleanup();
  });

  it('skips the failed index until the injected clock has moved past the backoff', async () => {
    let now = 1_000_000;
    const queue = new FlakyRedis(new RedisQueue(redis.redis, redis.prefix));
    const engine = new Engine({ db: t.db, queue, events: new LocalEventBus(), now: () => now });
    const { projectId } = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], 'acme/clock');
    await engine.refreshAll();
    await engine.rebuildQueue();
    const agent = await engine.heartbeatAgent({ name: 'clock-agent', capacity: 10 });

    queue.failing = true;
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
    expect(queue.pops).toBe(1);

    // Redis is fine again, but the engine's clock has not moved: the index is still skipped.
    queue.failing = false;
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
    expect(queue.pops).toBe(1);

    now += 1001;
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
    expect(queue.pops).toBeGreaterThan(1);
  });
});
