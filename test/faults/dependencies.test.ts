import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Orchestrator } from '../../app/server.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { insertProject } from '../support/fixtures.js';
import { until, type PrivatePostgres, type PrivateRedis } from '../support/privateServices.js';
import { startPrivateOrchestrator, type PrivateOrchestrator } from '../support/privateOrchestrator.js';

/** Postgres and Redis of our own, so they can be stopped and paused; an orchestrator in this process. */
describe('a dependency down or hung', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let o: Orchestrator;
  let stack: PrivateOrchestrator | undefined;
  let agentToken: string;
  const admin = 'admin-token-for-dependency-faults';

  beforeAll(async () => {
    stack = await startPrivateOrchestrator('deps', { REDIS_COMMAND_TIMEOUT_MS: '300', FLEET_ADMIN_TOKEN: admin });
    ({ pg, redis, o } = stack);
    await insertProject(o.db, [{ key: '1.1', cp: 30 }, { key: '1.2', deps: ['1.1'], cp: 20 }, { key: '2.1', cp: 5 }, { key: '2.2', cp: 4 }], 'acme/deps');
    await o.engine.refreshAll();
    await o.engine.rebuildQueue();
    ({ token: agentToken } = await mintAgentToken(o.db, 'deps-agent'));
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const call = async (method: string, p: string, body?: unknown, token = admin) => {
    const res = await fetch(o.url + p, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: text ? JSON.parse(text) : null };
  };

  it('a hung Redis: claims fall back to Postgres ordering, reports go through, the index is repaired afterwards', async () => {
    await call('POST', '/api/agents/heartbeat', { name: 'deps-agent', capacity: 5 }, agentToken);
    redis.pause();
    const c = await call('POST', '/api/assignments/claim', {}, agentToken);
    expect(c.status).toBe(200);
    expect(c.json.task.key).toBe('1.1');
    const done = await call('PATCH', `/api/assignments/${c.json.assignment.id}/progress`, { epoch: c.json.lease.epoch, status: 'done' }, agentToken);
    expect(done.status).toBe(200);
    expect(done.json.task.status).toBe('done');
    redis.resume();
    await o.periodic.runOnce();
    // What the index holds is what Postgres says is ready, in the same order.
    const r = new Redis(redis.url);
    try {
      const indexed = await new RedisQueue(r, o.config.REDIS_PREFIX).ordered(o.db, {}, 100);
      const truth = await new PostgresQueue().ordered(o.db, {}, 100);
      expect(truth).toHaveLength(3);
      expect(indexed).toEqual(truth);
    } finally {
      r.disconnect();
    }
  }, 30_000);

  it('Postgres down: 503 with Retry-After, never 500; back to 200 once it answers', async () => {
    await pg.stop();
    try {
      const reads = await call('GET', '/api/tasks');
      expect(reads.status).toBe(503);
      expect(Number(reads.retryAfter)).toBeGreaterThan(0);
      expect(reads.json.error.code).toBe('unavailable');
      const byAgent = await call('POST', '/api/assignments/claim', {}, agentToken);
      expect(byAgent.status).toBe(503);
      expect(Number(byAgent.retryAfter)).toBeGreaterThan(0);
      const byAdmin = await call('POST', '/api/assignments/claim', { pool: 'default' });
      expect(byAdmin.status).toBe(503);
      const hb = await call('POST', '/api/agents/heartbeat', { name: 'deps-agent' });
      expect(hb.status).toBe(503);
    } finally {
      await pg.start();
    }
    await until('the API to answer again', async () => (await call('GET', '/api/tasks')).status === 200);
    const c = await call('POST', '/api/assignments/claim', {}, agentToken);
    expect(c.status).toBe(200);
  }, 60_000);
});
