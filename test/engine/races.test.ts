import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type Backend, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import type { Engine } from '../../app/engine/engine.js';

const TASKS = 2000;

/** Seeded pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe.each(['postgres', 'redis'] as Backend[])('races against real %s', (backend) => {
  let h: EngineHarness;
  let engines: Engine[];
  beforeAll(async () => {
    h = await engineHarness('races', backend);
    // Four orchestrator processes sharing one database (and one Redis).
    engines = [h.engine, await h.another(), await h.another(), await h.another()];
  });
  afterAll(() => h.cleanup());

  async function project(name: string) {
    const tasks = Array.from({ length: TASKS }, (_, i) => ({ key: `${(i % 5) + 1}.${i + 1}`, cp: (i * 7919) % 97, priority: i % 4 }));
    const p = await insertProject(h.t.db, tasks, `${name}/${backend}`);
    await prime(h.engine);
    return p;
  }

  it('200 concurrent claimers over 2,000 tasks: every task handed out exactly once', async () => {
    const { projectId } = await project('exactly-once');
    const got: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const engine = engines[i % engines.length]!;
        const agent = await engine.heartbeatAgent({ name: `${backend}-claimer-${i}`, capacity: 1000 });
        for (;;) {
          const c = await engine.claim(agent.id, { projectId });
          if (!c) return;
          got.push(c.task.id);
        }
      }),
    );
    expect(got).toHaveLength(TASKS);
    expect(new Set(got).size).toBe(TASKS);
    const { rows } = await h.t.db.query<{ tasks: number; assignments: number; pending: number }>(
      `SELECT count(DISTINCT a.task_id)::int AS tasks, count(*)::int AS assignments,
              (SELECT count(*)::int FROM tasks WHERE project_id = $1 AND status = 'pending') AS pending
       FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1`,
      [projectId],
    );
    expect(rows[0]).toEqual({ tasks: TASKS, assignments: TASKS, pending: 0 });
  });

  it('agents killed at random: expired leases go back, every task ends done exactly once', async () => {
    const { projectId } = await project('killed');
    const random = rng(42);
    const completedBy = new Map<number, number>();
    let deaths = 0;
    const dead = new Set<number>();
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const engine = engines[i % engines.length]!;
        let agent = await engine.heartbeatAgent({ name: `${backend}-mortal-${i}` });
        for (let life = 0; ; ) {
          const c = await engine.claim(agent.id, { projectId });
          if (!c) {
            // Nothing ready right now: leases of the dead may still be running; let them expire.
            const { rows } = await h.t.db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM tasks WHERE project_id = $1 AND status NOT IN ('done')`,
              [projectId],
            );
            if (rows[0]!.n === 0) return;
            // The clock moves on for the dead: their leases run out (rows locked in order, skipping
            // ones another loop is already expiring).
            await h.t.db.query(
              `UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id IN (
                 SELECT id FROM assignments WHERE status = 'active' AND agent_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED)`,
              [[...dead]],
            );
            await engine.sweepLeases();
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          if (random() < 0.05) {
            // The agent dies holding the lease; a new incarnation joins under a new name.
            deaths++;
            dead.add(agent.id);
            agent = await engine.heartbeatAgent({ name: `${backend}-mortal-${i}-${++life}` });
            continue;
          }
          await engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'done' }, { kind: 'agent', agentId: agent.id, pool: agent.pool });
          completedBy.set(c.task.id, (completedBy.get(c.task.id) ?? 0) + 1);
        }
      }),
    );
    expect(deaths).toBeGreaterThan(10);
    expect(completedBy.size).toBe(TASKS);
    expect([...completedBy.values()].every((n) => n === 1)).toBe(true);
    const { rows } = await h.t.db.query<{ done: number; expired: number; completed: number }>(
      `SELECT (SELECT count(*)::int FROM tasks WHERE project_id = $1 AND status = 'done') AS done,
              count(*) FILTER (WHERE a.status = 'expired')::int AS expired,
              count(*) FILTER (WHERE a.status = 'completed')::int AS completed
       FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1`,
      [projectId],
    );
    expect(rows[0]!.done).toBe(TASKS);
    expect(rows[0]!.completed).toBe(TASKS);
    expect(rows[0]!.expired).toBe(deaths);
  });

});

describe('the Redis index lost mid-run', () => {
  let h: EngineHarness;
  let engines: Engine[];
  const backend = 'redis';
  beforeAll(async () => {
    h = await engineHarness('flush', 'redis');
    engines = [h.engine, await h.another(), await h.another()];
  });
  afterAll(() => h.cleanup());

  async function project(name: string) {
    const tasks = Array.from({ length: TASKS }, (_, i) => ({ key: `1.${i + 1}`, cp: i % 13 }));
    const p = await insertProject(h.t.db, tasks, `${name}/${backend}`);
    await prime(h.engine);
    return p;
  }

  it('losing the Redis index mid-run loses nothing and hands nothing out twice', async () => {
    const { projectId } = await project('flush');
    const got: number[] = [];
    let flushed = false;
    let keysFlushed = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const engine = engines[i % engines.length]!;
        const agent = await engine.heartbeatAgent({ name: `${backend}-flush-${i}`, capacity: 1000 });
        for (;;) {
          if (!flushed && got.length >= TASKS / 3) {
            flushed = true;
            // What FLUSHALL does to this test's keyspace, without disturbing other test files.
            const keys = await h.redis!.keys(`${(h.queue as unknown as { prefix: string }).prefix}*`);
            keysFlushed = keys.length;
            if (keys.length) await h.redis!.del(...keys);
          }
          const c = await engine.claim(agent.id, { projectId });
          if (!c) return;
          got.push(c.task.id);
        }
      }),
    );
    expect(flushed).toBe(true);
    // The flush took a populated index away (an empty one would prove nothing).
    expect(keysFlushed).toBeGreaterThan(0);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toHaveLength(TASKS);
  });
});
