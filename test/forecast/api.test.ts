import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerStatusCommand } from '../../app/cli/statusCommand.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { makeForecastRoutes } from '../../app/http/routes/forecast.js';
import { storeBaseline } from '../../app/progress/forecast/storeBaseline.js';
import { PLAN, PLAN_EPIC_DEPS } from '../progress/helpers.js';

/** Assigns a task of one project to the agent and reports it done through the API, as an agent's run would. */
async function completeTask(s: TestServer, projectId: number, key: string, agentId: number): Promise<void> {
  const { rows } = await s.o.db.query<{ id: number }>('SELECT id FROM tasks WHERE project_id = $1 AND key = $2', [projectId, key]);
  const a = await s.call('POST', '/api/assignments', { task_id: Number(rows[0]!.id), agent_id: agentId });
  if (a.status !== 201) throw new Error(`assign ${key}: ${a.status} ${a.text}`);
  const done = await s.call('PATCH', `/api/assignments/${a.json.assignment.id}/progress`, { epoch: a.json.lease.epoch, status: 'done' });
  if (done.status !== 200) throw new Error(`complete ${key}: ${done.status} ${done.text}`);
}

describe('GET /api/progress/forecast and /api/progress/baseline (real PostgreSQL)', () => {
  let s: TestServer;
  let projectId: number;
  let gh: number;
  const configs: Record<string, unknown> = {};

  beforeAll(async () => {
    const forecastRoutes = makeForecastRoutes({ repoConfig: ({ owner, repo }) => configs[`${owner}/${repo}`] ?? { pools: [] } });
    s = await startTestServer('forecast_api', { start: { routes: [progressRoutes, forecastRoutes] } });
    ({ projectId } = await insertProject(s.o.db, PLAN, 'acme/fc', PLAN_EPIC_DEPS));
    ({ projectId: gh } = await insertProject(s.o.db, PLAN, 'acme/gh', PLAN_EPIC_DEPS));
    await s.o.db.query('UPDATE projects SET installation_id = 99 WHERE id = $1', [gh]);
    configs['acme/gh'] = { pools: [{ name: 'a', capacity: 5 }, { name: 'b', capacity: 3 }], calendar: { hoursPerDay: 8 } };
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('refuses bad parameters with 400 saying what is accepted', async () => {
    const cases: [string, RegExp][] = [
      ['agents=0', /agents must be a whole number from 1 to 10000/],
      ['agents=2.5', /agents must be a whole number/],
      ['agents=lots', /agents must be a whole number/],
      ['runs=5', /runs must be a whole number from 100 to 20000/],
      ['seed=-1', /seed must be a whole number from 0 to 4294967295/],
      ['colour=red', /colour/],
    ];
    for (const [q, msg] of cases) {
      const r = await s.call('GET', `/api/progress/forecast?project=acme/fc&${q}`);
      expect(r.status, q).toBe(400);
      expect(r.text, q).toMatch(msg);
    }
    const bad = await s.call('GET', '/api/progress/forecast?project=nope');
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/expected owner\/repo/);
    expect((await s.call('GET', '/api/progress/forecast?project=acme/none')).status).toBe(404);
    expect((await s.call('GET', '/api/progress/forecast?project=acme/fc', undefined, null)).status).toBe(401);
  });

  it('answers every field; with no agent at work a local project plans with 16, never null', async () => {
    const r = await s.call('GET', '/api/progress/forecast?project=acme/fc&runs=500&seed=3');
    expect(r.status).toBe(200);
    const f = r.json;
    for (const k of ['p50', 'p80', 'p90']) {
      expect(f[k].hours).toBeGreaterThan(0);
      expect(Date.parse(f[k].date)).toBe(Date.parse(f.as_of) + f[k].hours * 3_600_000);
    }
    expect(f.p50.hours).toBeLessThanOrEqual(f.p80.hours);
    expect(f.p80.hours).toBeLessThanOrEqual(f.p90.hours);
    expect(f.agents).toEqual({ count: 16, source: 'local_default' });
    expect(f.runs).toBe(500);
    // 564 h: critical path 2.1 → 2.2 behind half of epic 1 (300 h from 2.1 on), 16 agents.
    expect(f.bound_hours).toBeGreaterThanOrEqual(300);
    expect(f.critical_path.at(-1)).toBe('2.2');
    expect(f.calibration).toEqual({ observations: 0, ratio_median: 1, ratio_p90: 1.898, retry_rate: 0.3, review_hours_median: 0 });
    expect(f.assumptions.join('\n')).toMatch(/lognormal ratio \(median 1, σ 0.5\)/);
    expect(f.hours_per_day).toBe(24);
    // The same query again is the cached answer.
    expect((await s.call('GET', '/api/progress/forecast?project=acme/fc&runs=500&seed=3')).json).toEqual(f);
  });

  it('uses the what-if agent count, then the active agents', async () => {
    const one = (await s.call('GET', '/api/progress/forecast?project=acme/fc&agents=1&runs=300')).json;
    const many = (await s.call('GET', '/api/progress/forecast?project=acme/fc&agents=64&runs=300')).json;
    expect(one.agents).toEqual({ count: 1, source: 'query' });
    expect(many.agents).toEqual({ count: 64, source: 'query' });
    expect(one.p50.hours).toBeGreaterThan(many.p50.hours);
  });

  it('reads the fleet capacity and calendar.hoursPerDay of an installed project', async () => {
    const f = (await s.call('GET', '/api/progress/forecast?project=acme/gh&runs=200')).json;
    expect(f.agents).toEqual({ count: 8, source: 'fleet_capacity' });
    expect(f.hours_per_day).toBe(8);
    expect(Date.parse(f.p50.date)).toBe(Date.parse(f.as_of) + (f.p50.hours / 8) * 86_400_000);
  });

  it('calibrates on the project history in Postgres, and recomputes when the state changes', async () => {
    const before = (await s.call('GET', '/api/progress/forecast?project=acme/fc&agents=2&runs=300')).json;
    const minted = await mintAgentToken(s.o.db, 'fc-agent', { capacity: 2 });
    await s.call('POST', '/api/agents/heartbeat', { name: 'fc-agent', capacity: 2 }, minted.token);
    for (const k of ['1.1', '1.2', '1.3', '3.1', '3.2']) await completeTask(s, projectId, k, minted.agentId);
    // Every attempt took twice its estimate.
    await s.o.db.query(
      `UPDATE assignments a SET created_at = a.ended_at - (t.estimated_hours * 2) * interval '1 hour'
       FROM tasks t WHERE t.id = a.task_id AND t.project_id = $1 AND a.status = 'completed'`,
      [projectId],
    );
    const after = (await s.call('GET', '/api/progress/forecast?project=acme/fc&agents=2&runs=300')).json;
    expect(after.calibration.observations).toBe(5);
    expect(after.calibration.ratio_median).toBeCloseTo(2, 3);
    expect(after.calibration.ratio_p90).toBeCloseTo(2, 3);
    // 5 first passes, none redone, against the prior 0.3 counted as 5 tasks.
    expect(after.calibration.retry_rate).toBe(0.15);
    expect(after.calibration.review_hours_median).toBeLessThan(0.1);
    expect(after.remaining_hours).toBe(300);
    expect(after.p50.hours).not.toBe(before.p50.hours);
    // The agent is active now: without a what-if its slots are the count.
    expect((await s.call('GET', '/api/progress/forecast?project=acme/fc&runs=200')).json.agents).toEqual({ count: 2, source: 'active_agents' });
  });

  it('stores a baseline once at seed, again only on request, and shows tasks against it', async () => {
    expect((await s.call('GET', '/api/progress/baseline?project=acme/gh')).status).toBe(404);
    const first = await storeBaseline(s.o.db, gh, { reason: 'seed', agents: 8 });
    expect(first).toMatchObject({ agents: 8, tasks: 7 });
    expect(await storeBaseline(s.o.db, gh, { reason: 'sync' })).toBeNull();
    const b = (await s.call('GET', '/api/progress/baseline?project=acme/gh')).json;
    expect(b.agents).toBe(8);
    expect(b.tasks).toHaveLength(7);
    expect(b.burndown[0].hours_remaining).toBe(564);
    expect(b.burndown.at(-1).hours_remaining).toBe(0);
    expect(Date.parse(b.burndown.at(-1).at)).toBe(Date.parse(b.created_at) + b.makespan_hours * 3_600_000);
    const again = await storeBaseline(s.o.db, gh, { reason: 'request', agents: 3 });
    expect(again!.id).toBeGreaterThan(first!.id);
    expect((await s.call('GET', '/api/progress/baseline?project=acme/gh')).json.agents).toBe(3);
    const f = (await s.call('GET', '/api/progress/forecast?project=acme/gh&runs=200')).json;
    expect(f.tasks.every((t: { baseline: unknown }) => t.baseline !== null)).toBe(true);
    expect(f.tasks.map((t: { baseline: { status: string } }) => t.baseline.status).every((x: string) => ['ahead', 'on_track', 'behind'].includes(x))).toBe(true);
    expect((await s.call('GET', '/api/progress/baseline?project=bad')).status).toBe(400);
  });

  it('fleet status prints P50 and P90 from the forecast', async () => {
    const out: string[] = [];
    const program = new Command('fleet').exitOverride();
    registerStatusCommand(program, { stdout: (x) => out.push(x), stderr: () => undefined, env: { FLEET_URL: s.url, FLEET_TOKEN: s.admin } });
    await program.parseAsync(['status', '--project', 'acme/gh'], { from: 'user' });
    const f = (await s.call('GET', '/api/progress/forecast?project=acme/gh')).json;
    const text = out.join('\n');
    expect(text).toContain(`forecast  P50 ${f.p50.date.slice(0, 10)} (${Math.round(f.p50.hours * 100) / 100} h)  P90 ${f.p90.date.slice(0, 10)} (${Math.round(f.p90.hours * 100) / 100} h)`);
    expect(text).not.toContain(s.admin);
  });
});
