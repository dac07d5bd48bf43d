import { analyseCriticalPath, simulate, type DependencyGraph } from '../../../seed/schedule/index.js';
import { calibrate, DEFAULT_PRIORS, NO_OBSERVATIONS, type CalibrationSummary, type Observations, type Priors } from './calibration.js';
import { createRng } from './prng.js';
import { quantileSorted } from './quantile.js';

/**
 * The Monte Carlo forecast: the remaining work scheduled many times by the plan scheduler
 * (seed/schedule: HLFET list scheduling, epic thresholds as gates), each time with task
 * durations drawn from the project's calibration. Pure and deterministic for a seed: no clock,
 * no database, no Math.random.
 */

/** Where the remaining work stands, already resolved to indices (see fromRows.ts, fromPlan.ts). */
export interface RemainingWork {
  /** Tasks not done (each with its whole estimate) and epics with their totals, as the scheduler builds it. */
  graph: DependencyGraph;
  /** Work under way at time 0: estimate-hours of it still to do; `inReview` holds no agent. */
  running: readonly { task: number; hoursLeft: number; inReview?: boolean }[];
  /** Per epic: work of it done outside the graph. */
  epicDone: readonly { epic: number; hours: number; tasks: number }[];
}

export interface ForecastOptions {
  agents: number;
  runs: number;
  seed: number;
  observations?: Observations;
  priors?: Priors;
  /** Attempts per task at most (the first included); 6 unless given. */
  maxAttempts?: number;
}

export interface BandPoint {
  /** Estimated hours still to do... */
  remaining_hours: number;
  /** ...reached this many hours from now, at the 10th, 50th and 90th percentile of the runs. */
  p10_hours: number;
  p50_hours: number;
  p90_hours: number;
}

export interface TaskForecast {
  key: string;
  /** Mean hours from now until the task is finished (merged). */
  finish_hours: number;
  /** How much later than `finish_hours` it can finish without moving P50 (dependency chains only). */
  slack_hours: number;
}

export interface ForecastCore {
  runs: number;
  agents: number;
  p10: number;
  p50: number;
  p80: number;
  p90: number;
  /** max(remaining critical path, remaining work ÷ agents) at estimate pace: nothing beats it. */
  boundHours: number;
  remainingHours: number;
  criticalPath: string[];
  criticalPathHours: number;
  calibration: CalibrationSummary;
  band: BandPoint[];
  tasks: TaskForecast[];
  /** Tasks that can never start (a dependency cycle): the forecast leaves them out. */
  stuck: string[];
}

const LEVELS = 40;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export function forecastRemaining(work: RemainingWork, opts: ForecastOptions): ForecastCore {
  const agents = Math.max(1, Math.floor(opts.agents));
  const runs = Math.max(1, Math.floor(opts.runs));
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
  const samplers = calibrate(opts.observations ?? NO_OBSERVATIONS, opts.priors ?? DEFAULT_PRIORS);
  const rng = createRng(opts.seed);

  const g = work.graph;
  const n = g.n;
  const cp = analyseCriticalPath(g);
  const priority = Float64Array.from(cp.tail);

  // Estimate-hours each task still holds: the burndown counts these down as tasks finish.
  const left = Float64Array.from(g.hours);
  const kind = new Uint8Array(n); // 0 to do, 1 under way, 2 in review
  const runningLeft = new Float64Array(n);
  for (const r of work.running) {
    if (!(r.task >= 0 && r.task < n)) continue;
    kind[r.task] = r.inReview ? 2 : 1;
    runningLeft[r.task] = Math.max(0, r.hoursLeft);
    left[r.task] = r.inReview ? 0 : Math.max(0, r.hoursLeft);
  }
  let remaining = 0;
  for (let t = 0; t < n; t++) remaining += left[t]!;

  // The deterministic view at estimate pace: critical path and the bound.
  const base = simulate(g, {
    agents: Infinity,
    order: 'fifo',
    from: { running: work.running.map((r) => ({ task: r.task, hoursLeft: r.inReview ? 0 : r.hoursLeft, needsAgent: !r.inReview })), epicDone: work.epicDone },
  });
  let last = -1;
  for (let t = 0; t < n; t++) if (base.seq[t]! >= 0 && (last < 0 || base.end[t]! > base.end[last]!)) last = t;
  const path: number[] = [];
  for (let v = last; v >= 0; v = base.cause[v]!) if (v < n && left[v]! > 0) path.push(v);
  path.reverse();
  const criticalPathHours = base.makespan;
  const boundHours = Math.max(criticalPathHours, remaining / agents);

  const durations = new Float64Array(n);
  const running = work.running.filter((r) => r.task >= 0 && r.task < n).map((r) => ({ task: r.task, hoursLeft: 0, needsAgent: !r.inReview }));
  const makespans = new Float64Array(runs);
  const crossings = new Float64Array(runs * LEVELS);
  const finishSum = new Float64Array(n);
  const order = new Int32Array(g.nodeCount);
  const attempt = (t: number): number => {
    let d = g.hours[t]! * samplers.ratio(rng);
    for (let k = 1; k < maxAttempts && rng.next() < samplers.retryRate; k++) d += g.hours[t]! * samplers.ratio(rng);
    return d;
  };
  let stuck: number[] = [];

  for (let run = 0; run < runs; run++) {
    let ri = 0;
    for (let t = 0; t < n; t++) {
      if (kind[t] === 0) durations[t] = attempt(t) + samplers.review(rng);
      else {
        // Work under way: the rest of this attempt at the drawn pace, perhaps redone, then review.
        let d = kind[t] === 1 ? runningLeft[t]! * samplers.ratio(rng) : 0;
        if (kind[t] === 1 && rng.next() < samplers.retryRate) d += attempt(t);
        running[ri++]!.hoursLeft = d + samplers.review(rng);
      }
    }
    const sim = simulate(g, { agents, order: 'priority', priority, durations, from: { running, epicDone: work.epicDone } });
    if (run === 0) stuck = sim.stuck;
    makespans[run] = sim.makespan;
    for (let t = 0; t < n; t++) if (sim.seq[t]! >= 0) finishSum[t]! += sim.end[t]!;
    // Completion order is time order: one sweep finds when the remaining hours cross each level.
    order.fill(-1);
    for (let v = 0; v < g.nodeCount; v++) if (sim.seq[v]! >= 0) order[sim.seq[v]!] = v;
    let rem = remaining;
    let level = 1;
    const base = run * LEVELS;
    for (let i = 0; i < g.nodeCount && level <= LEVELS; i++) {
      const v = order[i]!;
      if (v < 0) break;
      if (v >= n) continue;
      rem -= left[v]!;
      while (level <= LEVELS && rem <= remaining * (1 - level / LEVELS) + 1e-9) crossings[base + level++ - 1] = sim.end[v]!;
    }
    for (; level <= LEVELS; level++) crossings[base + level - 1] = sim.makespan;
  }

  const sorted = Float64Array.from(makespans).sort();
  const p50 = quantileSorted(sorted, 0.5);
  const band: BandPoint[] = [{ remaining_hours: r2(remaining), p10_hours: 0, p50_hours: 0, p90_hours: 0 }];
  const col = new Float64Array(runs);
  for (let k = 0; k < LEVELS; k++) {
    for (let run = 0; run < runs; run++) col[run] = crossings[run * LEVELS + k]!;
    col.sort();
    band.push({
      remaining_hours: r2(remaining * (1 - (k + 1) / LEVELS)),
      p10_hours: r2(quantileSorted(col, 0.1)),
      p50_hours: r2(quantileSorted(col, 0.5)),
      p90_hours: r2(quantileSorted(col, 0.9)),
    });
  }

  // Slack along dependency chains at the typical pace: what follows a task must still fit before P50.
  const pace = samplers.summary.ratio_median / (1 - samplers.retryRate);
  const tasks: TaskForecast[] = [];
  for (let t = 0; t < n; t++) {
    const finish = finishSum[t]! / runs;
    const after = (cp.tail[t]! - g.hours[t]!) * pace;
    tasks.push({ key: g.keys[t]!, finish_hours: r2(finish), slack_hours: r2(Math.max(0, p50 - after - finish)) });
  }

  return {
    runs,
    agents,
    p10: r2(quantileSorted(sorted, 0.1)),
    p50: r2(p50),
    p80: r2(quantileSorted(sorted, 0.8)),
    p90: r2(quantileSorted(sorted, 0.9)),
    boundHours: r2(boundHours),
    remainingHours: r2(remaining),
    criticalPath: path.map((t) => g.keys[t]!),
    criticalPathHours: r2(criticalPathHours),
    calibration: samplers.summary,
    band,
    tasks,
    stuck: stuck.map((t) => g.keys[t]!),
  };
}
