import { Engine, type EngineOptions } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';
import type { ReadyQueue } from '../../app/queue/readyQueue.js';
import type { Claim, EngineEvent, EngineEventType } from '../../app/engine/types.js';
import { insertProject } from './fixtures.js';
import { freshDb, type TestDb } from './db.js';
import { freshRedis } from './redis.js';
import type { Redis } from 'ioredis';

export type Backend = 'postgres' | 'redis';

export interface EngineHarness {
  t: TestDb;
  engine: Engine;
  queue: ReadyQueue;
  redis: Redis | null;
  events: LocalEventBus;
  /** Another engine on the same database and index: a second orchestrator process. */
  another(): Promise<Engine>;
  /** An engine on the same database, index and events with options of its own (a clock, a log, retry backoff). */
  engineWith(opts: Omit<EngineOptions, 'db' | 'queue' | 'events'>): Engine;
  cleanup(): Promise<void>;
}

export async function engineHarness(label: string, backend: Backend, opts: { leaseTtlSeconds?: number; maxAttempts?: number } = {}): Promise<EngineHarness> {
  // "postgres" and "redis" name the ordering backend; the rows always live in real PostgreSQL.
  const t = await freshDb(`${label}_${backend}`, { backend: 'postgres' });
  const events = new LocalEventBus();
  let redisCtx: Awaited<ReturnType<typeof freshRedis>> | null = null;
  let queue: ReadyQueue = new PostgresQueue();
  if (backend === 'redis') {
    redisCtx = await freshRedis(label);
    queue = new RedisQueue(redisCtx.redis, redisCtx.prefix);
  }
  const mk = (db = t.db, q = queue) => new Engine({ db, queue: q, events, leaseTtlSeconds: opts.leaseTtlSeconds ?? 600, maxAttempts: opts.maxAttempts ?? 3 });
  const engine = mk();
  const extra: Engine[] = [];
  return {
    t,
    engine,
    queue,
    redis: redisCtx?.redis ?? null,
    events,
    engineWith: (o) => new Engine({ db: t.db, queue, events, ...o }),
    async another() {
      const db = await t.openAnother();
      const q = redisCtx ? new RedisQueue(redisCtx.redis.duplicate(), redisCtx.prefix) : new PostgresQueue();
      const e = mk(db, q);
      extra.push(e);
      return e;
    },
    async cleanup() {
      await redisCtx?.cleanup();
      await t.cleanup();
    },
  };
}

/** Sets up readiness and the index after fixtures were written behind the engine's back. */
export async function prime(engine: Engine): Promise<void> {
  await engine.refreshAll();
  await engine.rebuildQueue();
}

let fixtureSeq = 0;

/** A one-task project (task 1.1) of its own, primed: the task waits, ready, in the index. */
export async function oneTask(h: EngineHarness, label: string): Promise<{ projectId: number; id: number }> {
  const p = await insertProject(h.t.db, [{ key: '1.1' }], `acme/${label}-${++fixtureSeq}`);
  await prime(h.engine);
  return { projectId: p.projectId, id: p.ids.get('1.1')! };
}

/** oneTask, claimed by an agent of its own: the claim and the agent's actor. */
export async function claimedTask(h: EngineHarness, label: string): Promise<{ projectId: number; id: number; c: Claim; actor: { kind: 'agent'; agentId: number; pool: string } }> {
  const t = await oneTask(h, label);
  const agent = await h.engine.heartbeatAgent({ name: `${label}-agent-${fixtureSeq}` });
  const c = await h.engine.claim(agent.id, { projectId: t.projectId });
  if (c?.task.id !== t.id) throw new Error(`claimedTask: the agent did not get task ${t.id}`);
  return { ...t, c, actor: { kind: 'agent', agentId: agent.id, pool: agent.pool } };
}

/** What the harness's engines announce from now on: `of(type)` the data of one type; `stop()` unsubscribes. */
export function recordEvents(h: EngineHarness): { all: EngineEvent[]; of(type: EngineEventType): unknown[]; stop(): void } {
  const all: EngineEvent[] = [];
  const stop = h.events.subscribe((e) => all.push(e));
  return { all, of: (type) => all.filter((e) => e.type === type).map((e) => e.data), stop };
}
