import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Orchestrator } from '../../app/server.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { insertProject } from '../support/fixtures.js';
import { until, type PrivateRedis } from '../support/privateServices.js';
import { startPrivateOrchestrator, type PrivateOrchestrator } from '../support/privateOrchestrator.js';

/**
 * Issue 10, the wait after Redis FLUSHALL: an index that lost its entries must not leave ready
 * tasks waiting for the next sweep while agents hear "nothing ready". Periodic rounds are off
 * here, so whatever puts the index right is the claim path itself. Scaled down; invariants only.
 */
describe('the ready index emptied under a running orchestrator', () => {
  let redis: PrivateRedis;
  let r: Redis;
  let o: Orchestrator;
  let stack: PrivateOrchestrator | undefined;
  let token: string;
  let projectId: number;
  const PREFIX = 'fleet:emptied:';

  beforeAll(async () => {
    stack = await startPrivateOrchestrator('emptied', { REDIS_PREFIX: PREFIX, FLEET_ADMIN_TOKEN: 'admin-token-for-emptied-index' });
    ({ redis, o } = stack);
    // 80 tasks, longest path first: 1.1 (80 h) ... 1.80 (1 h).
    ({ projectId } = await insertProject(o.db, Array.from({ length: 80 }, (_, i) => ({ key: `1.${i + 1}`, cp: 80 - i })), 'acme/emptied'));
    await o.engine.refreshAll();
    await o.engine.rebuildQueue();
    ({ token } = await mintAgentToken(o.db, 'emptied-agent'));
    r = new Redis(redis.url);
    // Room for every claim of this file (capacity is the admin's to set): "full" is not what these tests are about.
    await o.db.query(`UPDATE agents SET capacity = 100 WHERE name = 'emptied-agent'`);
  }, 120_000);
  afterAll(async () => {
    r?.disconnect();
    await stack?.close();
  });

  const claim = async () => {
    const res = await fetch(`${o.url}/api/assignments/claim`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const text = await res.text();
    return { status: res.status, key: text ? (JSON.parse(text) as { task: { key: string } }).task.key : null };
  };
  const readyKeys = async () => (await o.db.query<{ key: string }>('SELECT key FROM tasks WHERE project_id = $1 AND ready ORDER BY critical_path_hours DESC, id', [projectId])).rows.map((x) => x.key);
  /** The index holds exactly what Postgres says is ready, in the same order. */
  const whole = async () => {
    const indexed = await new RedisQueue(r, PREFIX).ordered(o.db, { projectId }, 200);
    const truth = await new PostgresQueue().ordered(o.db, { projectId }, 200);
    return indexed.length === truth.length && indexed.every((id, i) => id === truth[i]);
  };

  it('after FLUSHALL the next claim gets the top ready task, and the index is whole again without a sweep', async () => {
    const top = (await readyKeys())[0];
    await r.flushall();
    const c = await claim();
    expect(c.status).toBe(200);
    expect(c.key).toBe(top);
    // Rebuilt, and without the task this very claim took (a stale top would be refused over and over).
    await until('the index to match Postgres', whole, 20_000);
  }, 60_000);

  it('an index emptied with its sentinel left is refilled on the first empty answer, not at the next sweep', async () => {
    // What a FLUSHALL racing a rebuild's swap, or an eviction, leaves: the "built" key, no entries.
    const keys = await r.keys(`${PREFIX}ready:*`);
    await r.del(...keys, `${PREFIX}routes`);
    expect(await r.exists(`${PREFIX}built`)).toBe(1);
    const top = (await readyKeys())[0];
    const c = await claim();
    expect(c.status).toBe(200);
    expect(c.key).toBe(top);
    await until('the index to match Postgres', whole, 20_000);
    // And the next claim is the index's answer again, in queue order.
    const next = (await readyKeys())[0];
    expect((await claim()).key).toBe(next);
  }, 60_000);

  it('an index whose top is stale (60 tasks held behind its back) still hands out a ready task', async () => {
    await o.engine.rebuildQueue();
    const ready = await readyKeys();
    // More stale entries than one claim used to try before answering "nothing" (50).
    const stale = ready.slice(0, 60);
    await o.db.query('UPDATE tasks SET held = true WHERE project_id = $1 AND key = ANY($2::text[])', [projectId, stale]);
    await o.db.query('UPDATE tasks SET ready_since = NULL WHERE project_id = $1 AND held', [projectId]);
    const c = await claim();
    expect(c.status).toBe(200);
    expect(c.key).toBe(ready[60]);
  }, 60_000);
});
