import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { RedisEventBus } from '../../app/engine/events.js';
import type { EngineEvent } from '../../app/engine/types.js';
import { freshRedis } from '../support/redis.js';
import { eventually } from '../support/eventually.js';

/**
 * Why one run of test/http/multiProcess.test.ts counted 64 `assignment.created` events for 60
 * claims: the Redis event bus delivers an event locally when PUBLISH fails, but a PUBLISH that
 * only timed out on the client side (ioredis commandTimeout, 500 ms by default, easily passed on
 * a loaded machine) did reach Redis, which echoes it back: the replica's WebSocket clients get
 * it twice. Claims were not repeated (Postgres holds one assignment per task); events were.
 */
describe('the Redis event bus', () => {
  let r: Awaited<ReturnType<typeof freshRedis>>;
  let bus: RedisEventBus;
  beforeAll(async () => {
    r = await freshRedis('events_once');
    bus = await RedisEventBus.create(r.redis, `${r.prefix}events`);
  });
  afterAll(async () => {
    await bus?.close();
    await r?.cleanup();
  });

  it('delivers an event once when its PUBLISH timed out on the client but reached Redis', async () => {
    const seen: EngineEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    const pub = r.redis as Redis & { publish: Redis['publish'] };
    const real = pub.publish.bind(pub) as (channel: string, message: string) => Promise<number>;
    // This PUBLISH reaches Redis, and its caller is told it timed out (as ioredis does past commandTimeout).
    let timedOut: Promise<unknown> = Promise.resolve();
    (pub as unknown as { publish: (c: string, m: string) => Promise<number> }).publish = (channel, message) => {
      const p = real(channel, message).then(() => {
        throw new Error('Command timed out');
      });
      timedOut = p.catch(() => undefined);
      return p;
    };
    bus.publish('task.updated', { id: 1 });
    await timedOut; // the bus's own handling of the failure has run by now
    (pub as unknown as { publish: typeof real }).publish = real;
    // A later event on the same channel: once it is seen, Redis's echo of the first one has come too.
    bus.publish('task.updated', { id: 2 });
    await eventually(() => expect(seen.some((e) => (e.data as { id: number }).id === 2)).toBe(true));
    off();
    expect(seen.filter((e) => (e.data as { id: number }).id === 1)).toHaveLength(1);
  });

  it('still delivers locally when Redis refused the PUBLISH', async () => {
    const seen: EngineEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    const pub = r.redis as unknown as { publish: (c: string, m: string) => Promise<number> };
    const real = pub.publish;
    pub.publish = () => Promise.reject(new Error('Connection is closed.'));
    bus.publish('task.updated', { id: 3 });
    pub.publish = real;
    await eventually(() => expect(seen.filter((e) => (e.data as { id: number }).id === 3)).toHaveLength(1));
    off();
  });
});
