import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { insertProject } from '../support/fixtures.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { installGuardRails } from '../../app/guards/guardsFor.js';
import type { GuardRails } from '../../app/guards/guardRails.js';

/**
 * Issue 15 wired into the engine, on real PostgreSQL with the engine's injected clock: budgets
 * refuse hand-out and stop running work, the kill switch in both modes, backoff after a failed
 * attempt, and a pool's circuit opening and closing.
 */
const admin = { kind: 'admin' } as const;
const MIN = 60_000;

describe('guard rails around the engine', () => {
  let t: TestDb;
  let now = Date.UTC(2026, 10, 29, 9, 0, 0);
  let engine: Engine;
  let guards: GuardRails;

  beforeAll(async () => {
    t = await freshDb('guard_rails', { backend: 'postgres' });
    engine = new Engine({ db: t.db, queue: new PostgresQueue(), events: new LocalEventBus(), now: () => now, retryBackoff: true, maxAttempts: 5 });
    guards = installGuardRails({ db: t.db, engine, now: () => now });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  async function project(name: string, keys: string[]) {
    const p = await insertProject(t.db, keys.map((key) => ({ key })), name);
    await engine.refreshAll();
    await engine.rebuildQueue();
    return p;
  }
  const pool = (name: string) => engine.poolAgent({ name, capacity: 10 });

  it('holds a task whose task budget is spent (reason budget) and never hands it out; releases it when the budget is raised', async () => {
    const { projectId, ids } = await project('acme/budget', ['1.1', '1.2']);
    await guards.setBudgets(projectId, { perTaskUsd: 1 });
    const agent = await pool('budget-pool');
    const c = (await engine.claim(agent.id, { projectId }))!;
    expect(c.task.key).toBe('1.1');
    await guards.recordUsage(c.assignment, c.task, { epoch: c.lease.epoch, costUsd: 0.4 }, null);
    // Cumulative: the same run reporting again does not add up.
    await guards.recordUsage(c.assignment, c.task, { epoch: c.lease.epoch, costUsd: 1.2 }, null);
    await guards.recordUsage(c.assignment, c.task, { epoch: c.lease.epoch, costUsd: 1.2 }, null);
    const roll = await guards.rollups(projectId);
    expect(roll.tasks.find((x) => x.key === '1.1')!.spend_usd).toBe(1.2);
    expect(roll.tasks.find((x) => x.key === '1.1')!.budget_left.task).toBe(0);

    // Running: the heartbeat answer says stop, with reason budget.
    const stop = await guards.heartbeatAnswer(c.assignment, c.task);
    expect(stop).toMatchObject({ stop: true, reason: 'budget' });

    // The run ends (failed, budget): the task is held with reason budget and not handed out.
    await engine.releaseTask(c.task.id, 'agent reported failure: budget', { countAttempt: false });
    await guards.enforceBudgets(projectId);
    const held = await t.db.query<{ held: boolean; hold_reason: string | null }>('SELECT held, hold_reason FROM tasks WHERE id = $1', [ids.get('1.1')]);
    expect(held.rows[0]).toEqual({ held: true, hold_reason: 'budget' });
    const next = await engine.claim(agent.id, { projectId });
    expect(next?.task.key).toBe('1.2');
    expect(await engine.claim(agent.id, { projectId })).toBeNull();

    await guards.setBudgets(projectId, { perTaskUsd: 5 });
    const again = await engine.claim(agent.id, { projectId });
    expect(again?.task.key).toBe('1.1');
  });

  it('an epic or daily budget spent holds every pending task of its scope', async () => {
    const { projectId } = await project('acme/daily', ['1.1', '1.2', '2.1']);
    await guards.setBudgets(projectId, { perDayUsd: 2 });
    const agent = await pool('daily-pool');
    const c = (await engine.claim(agent.id, { projectId }))!;
    await guards.recordUsage(c.assignment, c.task, { epoch: c.lease.epoch, costUsd: 2.5 }, null);
    // Dated on the engine's clock, which also draws the day's window (not the database's: this
    // clock is fixed on 2026-11-29, and on the wall's next day the report counted on the wrong one).
    const dated = await t.db.query<{ created_at: Date }>(`SELECT created_at FROM evidence WHERE project_id = $1 AND type = 'usage'`, [projectId]);
    expect(dated.rows.map((r) => new Date(r.created_at).getTime())).toEqual([now]);
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    const reasons = await t.db.query<{ key: string; hold_reason: string | null }>(`SELECT key, hold_reason FROM tasks WHERE project_id = $1 AND status = 'pending' ORDER BY key`, [projectId]);
    expect(reasons.rows.map((r) => r.hold_reason)).toEqual(['budget', 'budget']);
    // The next day the daily budget is fresh again.
    now += 24 * 60 * MIN;
    await guards.enforceBudgets(projectId);
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
  });

  it('pause with drain: nothing handed out, running jobs are not stopped; resume hands out again', async () => {
    const { projectId } = await project('acme/drain', ['1.1', '1.2']);
    const agent = await pool('drain-pool');
    const running = (await engine.claim(agent.id, { projectId }))!;
    const p = await guards.pause(projectId);
    expect(p).toMatchObject({ changed: true, mode: 'drain', held: 1 });
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    // Claims that name no project do not reach the paused project's tasks either (held).
    for (let c = await engine.claim(agent.id); c; c = await engine.claim(agent.id)) expect(c.task.projectId).not.toBe(projectId);
    expect(await guards.heartbeatAnswer(running.assignment, running.task)).toEqual({ stop: false });
    await guards.resume(projectId);
    expect((await engine.claim(agent.id, { projectId }))?.task.key).toBe('1.2');
  });

  it('pause with stop: running jobs get stop (reason paused) on their next heartbeat', async () => {
    const { projectId } = await project('acme/stop', ['1.1', '1.2']);
    await t.db.query(`UPDATE projects SET pause_mode = 'stop' WHERE id = $1`, [projectId]);
    const agent = await pool('stop-pool');
    const running = (await engine.claim(agent.id, { projectId }))!;
    expect(await guards.heartbeatAnswer(running.assignment, running.task)).toEqual({ stop: false });
    const p = await guards.pause(projectId);
    expect(p).toMatchObject({ mode: 'stop', stopping: 1 });
    expect(await guards.heartbeatAnswer(running.assignment, running.task)).toMatchObject({ stop: true, reason: 'paused' });
    // Past the grace period the run is overdue: the app cancels it and revokes the lease.
    expect(await guards.overdueStops(5 * MIN)).toEqual([]);
    now += 6 * MIN;
    const overdue = (await guards.overdueStops(5 * MIN)).filter((o) => o.projectId === projectId);
    expect(overdue.map((o) => o.assignmentId)).toEqual([running.assignment.id]);
    await guards.revoke(overdue[0]!);
    expect((await engine.getAssignment(running.assignment.id)).status).toBe('released');
    expect(await guards.overdueStops(5 * MIN)).toEqual([]);
    await guards.resume(projectId);
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
  });

  it('a failed attempt is ready again only after base × 2^(attempt-1) on the engine clock', async () => {
    const { projectId, ids } = await project('acme/backoff', ['1.1']);
    await t.db.query(`UPDATE projects SET backoff = '{"baseMinutes": 5, "jitter": 0}'::jsonb WHERE id = $1`, [projectId]);
    const agent = await pool('backoff-pool');
    const fail = async () => {
      const c = (await engine.claim(agent.id, { projectId }))!;
      expect(c.task.id).toBe(ids.get('1.1'));
      await engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'failed', notes: 'rate_limited' }, admin);
    };
    await fail();
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    now += 5 * MIN - 1000;
    await guards.sweep();
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    now += 1000;
    expect((await guards.sweep()).released).toEqual([ids.get('1.1')]);
    await fail();
    // Second failure: 10 minutes.
    now += 10 * MIN - 1000;
    await guards.sweep();
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    now += 1000;
    await guards.sweep();
    expect((await engine.claim(agent.id, { projectId }))?.task.key).toBe('1.1');
  });

  it("opens a pool's circuit after K failures within T, refuses dispatch during the cool-down, and closes it on a successful trial", async () => {
    const { projectId } = await project('acme/circuit', ['1.1', '1.2', '1.3']);
    await t.db.query(`UPDATE projects SET circuit_breaker = '{"failures": 2, "windowMinutes": 15, "cooldownMinutes": 10}'::jsonb WHERE id = $1`, [projectId]);
    const agent = await pool('circuit-pool');
    expect(await guards.recordEnding(projectId, 'circuit-pool', 'agent_error')).toBeNull();
    const notice = await guards.recordEnding(projectId, 'circuit-pool', 'rate_limited');
    expect(notice).toMatch(/circuit opened after 2 failed runs/);
    expect((await guards.circuits(projectId))[0]).toMatchObject({ pool: 'circuit-pool', status: 'open', trips: 1 });
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    // Another pool is not affected.
    const other = await pool('healthy-pool');
    const o = await engine.claim(other.id, { projectId });
    expect(o).not.toBeNull();
    // Cool-down over: half-open, one trial run.
    now += 10 * MIN;
    const trial = await engine.claim(agent.id, { projectId });
    expect(trial).not.toBeNull();
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    expect(await guards.recordEnding(projectId, 'circuit-pool', 'success')).toMatch(/circuit closed/);
    expect((await guards.circuits(projectId))[0]).toMatchObject({ status: 'closed' });
  });

  it('a half-open circuit lets one trial through to claims that name no project too', async () => {
    const { projectId } = await project('acme/halfopen', ['1.1', '1.2', '1.3']);
    await t.db.query(`UPDATE projects SET circuit_breaker = '{"failures": 2, "cooldownMinutes": 10}'::jsonb WHERE id = $1`, [projectId]);
    const agent = await pool('halfopen-pool');
    await guards.recordEnding(projectId, 'halfopen-pool', 'agent_error');
    expect(await guards.recordEnding(projectId, 'halfopen-pool', 'agent_error')).toMatch(/circuit opened/);
    expect(await engine.claim(agent.id)).toBeNull();
    now += 10 * MIN;
    const trial = await engine.claim(agent.id, { projectId });
    expect(trial?.task.projectId).toBe(projectId);
    // The trial runs: no second claim for the pool, with or without the project named.
    expect(await engine.claim(agent.id)).toBeNull();
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    expect(await guards.recordEnding(projectId, 'halfopen-pool', 'success')).toMatch(/circuit closed/);
    expect(await engine.claim(agent.id)).not.toBeNull();
  });
});
