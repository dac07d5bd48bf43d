import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { schedule, type SchedulablePlan } from '../../app/plan/schedule/index.js';
import { workFromPlan } from '../../app/progress/forecast/fromPlan.js';
import { workFromRows } from '../../app/progress/forecast/fromRows.js';
import { forecastRemaining } from '../../app/progress/forecast/monteCarlo.js';
import { closeForecastWorkers, ForecastWorkerError, forecastWorkerCount, runForecast } from '../../app/progress/forecast/runForecast.js';
import { calibrate, DEFAULT_PRIORS, type Priors } from '../../app/progress/forecast/calibration.js';
import { createRng } from '../../app/progress/forecast/prng.js';

const PLAN = parsePlan(readFileSync('seed/plans/remediation-plan.md', 'utf8'), 'remediation-plan.md');
const EXACT: Priors = { ratio: { median: 1, sigma: 0 }, retryRate: 0, review: { medianHours: 0, sigma: 0 }, minObservations: 5 };

describe('Monte Carlo forecast (pure core)', () => {
  it('with zero variance gives p50 = p90 = the makespan `fleet plan schedule` prints', () => {
    expect(PLAN.tasks.length).toBe(27);
    for (const agents of [1, 3, 5, 16, 64]) {
      const f = forecastRemaining(workFromPlan(PLAN), { agents, runs: 50, seed: 7, priors: EXACT });
      const s = schedule(PLAN, { agents });
      expect(f.p50).toBe(s.makespanHours);
      expect(f.p90).toBe(s.makespanHours);
      expect(f.boundHours).toBe(s.lowerBoundHours);
      expect(f.criticalPath).toEqual(s.criticalPath);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = forecastRemaining(workFromPlan(PLAN), { agents: 16, runs: 300, seed: 42 });
    const b = forecastRemaining(workFromPlan(PLAN), { agents: 16, runs: 300, seed: 42 });
    const c = forecastRemaining(workFromPlan(PLAN), { agents: 16, runs: 300, seed: 43 });
    expect(b).toEqual(a);
    expect(c.band).not.toEqual(a.band);
    expect(a.p10).toBeLessThanOrEqual(a.p50);
    expect(a.p50).toBeLessThanOrEqual(a.p80);
    expect(a.p80).toBeLessThanOrEqual(a.p90);
    // The prior (median ratio 1, retries 0.3) puts the median above the estimate-pace makespan.
    expect(a.p50).toBeGreaterThan(schedule(PLAN, { agents: 16 }).makespanHours);
  });

  it('keeps the answer of a seed: the figures this forecast gave before its scheduler was made fast', () => {
    // Drawn with the first implementation (closure heaps, fresh arrays per run); a faster kernel must not move them.
    const f = forecastRemaining(workFromPlan(PLAN), { agents: 16, runs: 2000, seed: 1 });
    expect([f.p10, f.p50, f.p80, f.p90]).toEqual([159.02, 258.03, 367.06, 455.72]);
  });

  it('uses the lognormal prior below 5 observations and the observations from 5 on', () => {
    const prior = calibrate({ ratios: [2, 2, 2, 2], firstPass: { tasks: 0, redone: 0 }, reviewHours: [] });
    expect(prior.summary).toMatchObject({ observations: 4, ratio_median: 1, retry_rate: 0.3, review_hours_median: 0 });
    expect(prior.summary.ratio_p90).toBeCloseTo(Math.exp(1.2815515655 * 0.5), 3);
    expect(prior.summary.source.ratio).toBe('prior');
    const seen = calibrate({ ratios: [2, 2, 2, 2, 2], firstPass: { tasks: 45, redone: 0 }, reviewHours: [1, 1, 3, 3, 3] });
    expect(seen.summary).toMatchObject({ observations: 5, ratio_median: 2, ratio_p90: 2, review_hours_median: 3 });
    // 0 of 45 redone, weighed with the prior 0.3 as 5 tasks: 1.5 / 50.
    expect(seen.summary.retry_rate).toBe(0.03);
    const exact = forecastRemaining(workFromPlan(PLAN), { agents: 1, runs: 200, seed: 1, priors: { ...EXACT }, observations: { ratios: [2, 2, 2, 2, 2], firstPass: { tasks: 0, redone: 0 }, reviewHours: [] } });
    // Ratio 2 everywhere (the kernel is narrow around identical observations): about twice 564 h on one agent.
    expect(exact.p50).toBeGreaterThan(564 * 1.9);
    expect(exact.p50).toBeLessThan(564 * 2.1);
  });

  it('draws from the observations without fattening them (the makespan is a sum: a wider draw pushes it up)', () => {
    const rng = createRng(11);
    const ratios = Array.from({ length: 30 }, () => Math.exp(0.8 * rng.normal()));
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const c = calibrate({ ratios, firstPass: { tasks: 0, redone: 0 }, reviewHours: [] });
    const draw = createRng(12);
    let sum = 0;
    const N = 200_000;
    for (let i = 0; i < N; i++) sum += c.ratio(draw);
    // A Silverman-bandwidth kernel here drew about 7% above the observed mean.
    expect(Math.abs(sum / N / mean - 1)).toBeLessThan(0.03);
  });

  it('retries lengthen the forecast', () => {
    const none = forecastRemaining(workFromPlan(PLAN), { agents: 3, runs: 300, seed: 5, priors: { ...DEFAULT_PRIORS, retryRate: 0 } });
    const many = forecastRemaining(workFromPlan(PLAN), { agents: 3, runs: 300, seed: 5, priors: { ...DEFAULT_PRIORS, retryRate: 0.6 } });
    expect(many.p50).toBeGreaterThan(none.p50 * 1.3);
  });

  it('starts from where the work stands: work under way, in review, epics part done', () => {
    const rows = [
      { id: 1, key: 'a', epicId: 10, hours: 10, status: 'in_progress', percent: 50, priority: 2 },
      { id: 2, key: 'b', epicId: 10, hours: 4, status: 'in_review', percent: 100, priority: 2 },
      { id: 3, key: 'c', epicId: 20, hours: 8, status: 'pending', percent: 0, priority: 2 },
    ];
    const deps = [
      { taskId: 3, epicId: null, dependsOnTaskId: 1, dependsOnEpicId: null, thresholdPercent: 100 },
      // Epic 20 waits for epic 10 at 50%: 6 of its 20 hours are done already (a finished task).
      { taskId: null, epicId: 20, dependsOnTaskId: null, dependsOnEpicId: 10, thresholdPercent: 50 },
    ];
    const epics = [
      { id: 10, hoursTotal: 20, hoursDone: 6, tasksTotal: 3, tasksDone: 1 },
      { id: 20, hoursTotal: 8, hoursDone: 0, tasksTotal: 1, tasksDone: 0 },
    ];
    const f = forecastRemaining(workFromRows(rows, deps, epics), { agents: 1, runs: 20, seed: 1, priors: EXACT });
    // 5 h left on a, then c (8 h): the review of b holds no agent and takes no time without history.
    expect(f.p50).toBe(13);
    expect(f.remainingHours).toBe(13);
    expect(f.criticalPath).toEqual(['a', 'c']);
    expect(f.tasks.find((t) => t.key === 'c')).toMatchObject({ finish_hours: 13, slack_hours: 0 });
  });

  it('counts the agents in a task\'s slack: on one agent, delaying any task delays the work queued behind it', () => {
    // Three independent tasks and a fourth after the first; exact durations.
    const plan: SchedulablePlan = {
      epics: [{ key: '1', dependsOn: [] }],
      tasks: [
        { key: '1.1', epic: '1', hours: 5, dependsOn: [] },
        { key: '1.2', epic: '1', hours: 3, dependsOn: [] },
        { key: '1.3', epic: '1', hours: 2, dependsOn: ['1.1'] },
        { key: '1.4', epic: '1', hours: 1, dependsOn: [] },
      ],
    };
    const tasks = (agents: number) => forecastRemaining(workFromPlan(plan), { agents, runs: 10, seed: 1, priors: EXACT }).tasks;
    const slack = (agents: number) => Object.fromEntries(tasks(agents).map((t) => [t.key, t.slack_hours]));
    const critical = (agents: number) => Object.fromEntries(tasks(agents).map((t) => [t.key, t.critical_share]));
    // One agent runs everything back to back: no task can finish later.
    expect(slack(1)).toEqual({ '1.1': 0, '1.2': 0, '1.3': 0, '1.4': 0 });
    // Unlimited agents: 1.1 then 1.3 is the 7 h chain; 1.2 ends at 3 and 1.4 at 1, each free until 7.
    expect(slack(10)).toEqual({ '1.1': 0, '1.2': 4, '1.3': 0, '1.4': 6 });
    // Two agents: 1.1, 1.3 on one (0-7); 1.2 then 1.4 on the other (0-3, 3-4): 1.4 can end at 7, so 1.2 at 6.
    expect(slack(2)).toEqual({ '1.1': 0, '1.2': 3, '1.3': 0, '1.4': 3 });
    // Exact durations: every run is the same, so a task is critical in all of them or in none.
    expect(critical(1)).toEqual({ '1.1': 1, '1.2': 1, '1.3': 1, '1.4': 1 });
    expect(critical(2)).toEqual({ '1.1': 1, '1.2': 0, '1.3': 1, '1.4': 0 });
  });

  it('gives each task the share of runs in which it was critical: a long uncertain task and a chain take turns', () => {
    // One 12 h task beside a chain of three 4 h tasks: with the prior's spread, either may end last.
    const plan: SchedulablePlan = {
      epics: [{ key: '1', dependsOn: [] }],
      tasks: [
        { key: '1.1', epic: '1', hours: 12, dependsOn: [] },
        { key: '1.2', epic: '1', hours: 4, dependsOn: [] },
        { key: '1.3', epic: '1', hours: 4, dependsOn: ['1.2'] },
        { key: '1.4', epic: '1', hours: 4, dependsOn: ['1.3'] },
      ],
    };
    const f = forecastRemaining(workFromPlan(plan), { agents: 4, runs: 2000, seed: 3, priors: { ...DEFAULT_PRIORS, retryRate: 0 } });
    const share = Object.fromEntries(f.tasks.map((t) => [t.key, t.critical_share]));
    // The chain's tasks are critical together; each run has one critical path, so the shares add up to one.
    expect(share['1.2']).toBe(share['1.4']);
    expect(share['1.1']! + share['1.4']!).toBeCloseTo(1, 2);
    expect(share['1.1']).toBeGreaterThan(0.2);
    expect(share['1.4']).toBeGreaterThan(0.2);
    // A task's mean slack is what it has in the runs where it is not critical, weighed by how often that is.
    for (const t of f.tasks) expect(t.slack_hours > 0).toBe(t.critical_share < 1);
  });

  it('binds the tasks counted by an epic gate to the gate: work waiting on 50% of an epic waits on them', () => {
    const plan: SchedulablePlan = {
      epics: [
        { key: '1', dependsOn: [] },
        { key: '2', dependsOn: ['epic:1@50'] },
      ],
      tasks: [
        { key: '1.1', epic: '1', hours: 4, dependsOn: [] },
        { key: '1.2', epic: '1', hours: 10, dependsOn: [] },
        { key: '2.1', epic: '2', hours: 6, dependsOn: [] },
      ],
    };
    const f = forecastRemaining(workFromPlan(plan), { agents: 10, runs: 10, seed: 1, priors: EXACT });
    const slack = Object.fromEntries(f.tasks.map((t) => [t.key, t.slack_hours]));
    // 1.2 (10 h) reaches 50% of 14 h by itself at 10 h, then 2.1 runs to 16; 1.1 ended at 4 and
    // counts towards that gate, so it is held to 10, not to the finish.
    expect(f.p50).toBe(16);
    expect(slack).toEqual({ '1.1': 6, '1.2': 0, '2.1': 0 });
  });

  it('gives the same answer on worker threads, chunk by chunk, as inline', async () => {
    const big: SchedulablePlan = {
      epics: [{ key: '1', dependsOn: [] }],
      tasks: Array.from({ length: 300 }, (_, i) => ({ key: `1.${i + 1}`, epic: '1', hours: 1 + (i % 7), dependsOn: i >= 10 ? [`1.${i - 9}`] : [] })),
    };
    // 600 runs: three chunks, over two threads.
    const opts = { agents: 8, runs: 600, seed: 9 };
    const inline = forecastRemaining(workFromPlan(big), opts);
    const threaded = await runForecast(workFromPlan(big), opts, { workerAbove: 0, maxThreads: 2 });
    expect(threaded.runs).toBe(600);
    expect(threaded).toEqual(inline);
    // The threads are kept for the next forecast (starting one costs more than its share of the work).
    expect(forecastWorkerCount()).toBe(2);
    const again = await runForecast(workFromPlan(big), { ...opts, seed: 10 }, { workerAbove: 0, maxThreads: 2 });
    expect(forecastWorkerCount()).toBe(2);
    expect(again).toEqual(forecastRemaining(workFromPlan(big), { ...opts, seed: 10 }));
    await closeForecastWorkers();
    expect(forecastWorkerCount()).toBe(0);
    expect(await runForecast(workFromPlan(big), opts, { workerAbove: 0, maxThreads: 2 })).toEqual(inline);
    await closeForecastWorkers();
  });

  it('a worker that fails is a 503 to retry, not a 500, and the next forecast still works', async () => {
    const rows = { rows: [{ id: 1, key: '1.1', epicId: 1, hours: 2, status: 'pending', percent: 0, priority: 2 }], deps: [], epics: [{ id: 1, hoursTotal: 2, hoursDone: 0, tasksTotal: 1, tasksDone: 0 }] };
    // Work whose graph is malformed: the worker throws while drawing.
    const broken = { graph: { n: 1 } } as unknown as Parameters<typeof runForecast>[0];
    const err = await runForecast(broken, { agents: 2, runs: 100, seed: 1 }, { workerAbove: 0, maxThreads: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForecastWorkerError);
    expect(err).toMatchObject({ status: 503, code: 'unavailable' });
    // What failed inside stays in the cause (logged), not in what a client reads.
    expect((err as Error).message).toBe('the forecast could not be computed now (its worker thread failed); retry in a moment');
    expect(((err as Error).cause as Error).message).toMatch(/./);
    const ok = await runForecast(rows, { agents: 2, runs: 100, seed: 1, priors: EXACT }, { workerAbove: 0, maxThreads: 1 });
    expect(ok.p50).toBe(2);
    await closeForecastWorkers();
  });
});
