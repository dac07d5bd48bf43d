import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { freshRedis } from '../support/redis.js';
import { insertProject } from '../support/fixtures.js';
import { prime } from '../support/engine.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';

/**
 * Issue 13 (engine survivors): claims that go around the Redis index. One whose index keeps
 * proposing tasks Postgres refuses goes by Postgres ordering and takes what it claimed out of the
 * index; one whose Redis cannot answer says so, claims through Postgres and leaves the backed-off
 * index alone.
 */
describe('claims around the ready index', () => {
  let t: TestDb;
  let r: Awaited<ReturnType<typeof freshRedis>>;
  let clock = Date.now();
  const warnings: { obj: unknown; msg: string | undefined }[] = [];
  let engine: Engine;
  let queue: RedisQueue;
  beforeAll(async () => {
    t = await freshDb('claimStaleIndex', { backend: 'postgres' });
    r = await freshRedis('claimStaleIndex');
    queue = new RedisQueue(r.redis, r.prefix);
    const log = { warn: (obj: unknown, msg?: string) => void warnings.push({ obj, msg }), info: () => undefined };
    engine = new Engine({ db: t.db, queue, events: new LocalEventBus(), log, now: () => clock });
  });
  afterAll(async () => {
    await r.cleanup();
    await t.cleanup();
  });

  it('after eight stale entries a claim goes by Postgres ordering and takes its task out of the index', async () => {
    // More stale entries than one claim's 50 attempts: only going by Postgres ordering finds 2.1.
    const stale = Array.from({ length: 60 }, (_, i) => ({ key: `1.${i + 1}`, priority: 0 }));
    const p = await insertProject(t.db, [...stale, { key: '2.1', priority: 3 }], 'acme/stale');
    await prime(engine);
    // Held behind the engine's back: the index still proposes all sixty first.
    await t.db.query(`UPDATE tasks SET held = true WHERE project_id = $1 AND key <> '2.1'`, [p.projectId]);
    const agent = await engine.heartbeatAgent({ name: 'stale-agent' });
    expect((await engine.claim(agent.id, { projectId: p.projectId }))?.task.key).toBe('2.1');
    const left = await queue.ordered(t.db, { projectId: p.projectId }, 100);
    expect(left.length).toBeGreaterThan(0);
    expect(left).not.toContain(p.ids.get('2.1'));
  });

  it('a claim while Redis cannot answer warns, goes by Postgres ordering and writes nothing to the index', async () => {
    const p = await insertProject(t.db, [{ key: '3.1' }, { key: '3.2' }], 'acme/unavailable');
    await prime(engine);
    const agent = await engine.heartbeatAgent({ name: 'unavailable-agent' });
    warnings.length = 0;
    r.redis.disconnect();
    try {
      expect((await engine.claim(agent.id, { projectId: p.projectId }))?.task.key).toBe('3.1');
    } finally {
      await r.redis.connect();
    }
    const down = warnings.filter((w) => w.msg === 'ready index unavailable: claiming through Postgres ordering');
    expect(down).toHaveLength(1);
    expect((down[0]!.obj as { err: string }).err).toMatch(/redis/);
    // Backed off: the claim did not try to write to the index (and fail) on its way out.
    expect(warnings.filter((w) => w.msg === 'ready index update failed; it will be rebuilt')).toEqual([]);
    clock += 5000;
  });
});
