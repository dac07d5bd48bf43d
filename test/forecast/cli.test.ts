import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlanCli as run } from '../support/runPlanCli.js';
import { formatForecast } from '../../app/cli/statusCommand.js';
import { EXAMPLE_PLAN } from '../plan/helpers.js';
import { freshDb, PG_URL, type TestDb } from '../support/db.js';

describe('fleet plan schedule prints P50/P90', () => {
  it('in the table and in the JSON, above the estimate-pace makespan', async () => {
    const r = await run(['plan', 'schedule', EXAMPLE_PLAN, '--agents', '16']);
    expect(r.code).toBe(0);
    const m = /forecast P50 ([\d.]+) h \(([\d.]+) days\), P90 ([\d.]+) h/.exec(r.out);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(116);
    expect(Number(m![3])).toBeGreaterThan(Number(m![1]));
    const j = JSON.parse((await run(['plan', 'schedule', EXAMPLE_PLAN, '--agents', '16', '--json'])).out);
    // The table shows one decimal.
    expect(Math.abs(j.forecast.p50Hours - Number(m![1]))).toBeLessThanOrEqual(0.05);
    expect(Math.abs(j.forecast.p90Hours - Number(m![3]))).toBeLessThanOrEqual(0.05);
    expect(j.makespanHours).toBe(116);
  });
});

describe('fleet status forecast line', () => {
  it('prints P50 and P90 with their dates, or says why there is none', () => {
    const line = formatForecast({ p50: { hours: 120.5, date: '2026-12-04T00:00:00.000Z' }, p90: { hours: 200, date: '2026-12-08T00:00:00.000Z' }, agents: { count: 16, source: 'local_default' }, calibration: { observations: 3 } });
    expect(line).toBe('forecast  P50 2026-12-04 (120.5 h)  P90 2026-12-08 (200 h)  16 agent(s), local default; calibrated on 3 finished attempt(s)');
    expect(formatForecast(null, 'not available (HTTP 503)')).toBe('forecast  not available (HTTP 503)');
  });
});

describe('baseline at seed, and fleet plan baseline (real PostgreSQL)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('forecast_cli', { backend: 'postgres' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('seeding stores the baseline once; re-baselining only on request', async () => {
    const env = { DATABASE_URL: PG_URL, DATABASE_SCHEMA: t.schema! };
    const seeded = await run(['seed', EXAMPLE_PLAN, '--project', 'acme/base'], env);
    expect(seeded.err).toBe('');
    expect(seeded.code).toBe(0);
    const first = await t.db.query<{ reason: string; agents: number; makespan: number; tasks: number }>(
      `SELECT b.reason, b.agents, b.makespan_hours::float8 AS makespan, (SELECT count(*)::int FROM plan_baseline_tasks WHERE baseline_id = b.id) AS tasks FROM plan_baselines b`,
    );
    expect(first.rows).toEqual([{ reason: 'seed', agents: 16, makespan: 116, tasks: 27 }]);
    const again = await run(['seed', EXAMPLE_PLAN, '--project', 'acme/base'], env);
    expect(again.code).toBe(0);
    expect((await t.db.query('SELECT 1 FROM plan_baselines')).rows).toHaveLength(1);
    const re = await run(['plan', 'baseline', '--project', 'acme/base', '--agents', '3'], env);
    expect(re.code).toBe(0);
    expect(re.out).toMatch(/baselined acme\/base: 27 task\(s\) on 3 agent\(s\), makespan 188 h/);
    const { rows } = await t.db.query<{ reason: string; agents: number }>('SELECT reason, agents FROM plan_baselines ORDER BY id');
    expect(rows).toEqual([{ reason: 'seed', agents: 16 }, { reason: 'request', agents: 3 }]);
    const missing = await run(['plan', 'baseline', '--project', 'acme/none'], env);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no project acme\/none: seed its plan first/);
    expect((await run(['plan', 'baseline', '--project', 'not a project'], env)).code).toBe(2);
  });
});
