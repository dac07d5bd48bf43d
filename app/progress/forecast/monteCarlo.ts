import { analyseCriticalPath, simulate, Simulator, type DependencyGraph } from '../../plan/schedule/index.js';
import { calibrate, DEFAULT_PRIORS, NO_OBSERVATIONS, type CalibrationSummary, type Observations, type Priors } from './calibration.js';
import { createRng } from './prng.js';
import { quantileSorted } from './quantile.js';
import { SlackPass } from './slackPass.js';

/**
 * The Monte Carlo forecast: the remaining work scheduled many times by the plan scheduler
 * (app/plan/schedule: HLFET list scheduling, epic thresholds as gates), each time with task
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
  /**
   * How much later it can finish without delaying the whole: per run, the latest finish that its
   * dependents, the next task on its agent and the epic gates it counts towards allow, less its
   * finish; the mean over the runs.
   */
  slack_hours: number;
  /** Share of the runs in which it had no slack (its criticality index): 1 on the critical path every time. */
  critical_share: number;
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
/** Runs are drawn in chunks of this many, each from its own seed: the same answer whether chunks run inline or on several threads. */
export const CHUNK_RUNS = 250;
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** The raw draws of some chunks of runs, to be merged in chunk order. */
export interface RunsPart {
  chunks: number[];
  makespans: Float64Array;
  crossings: Float64Array;
  finishSum: Float64Array;
  slackSum: Float64Array;
  /** Per task: in how many runs it had no slack. */
  criticalRuns: Float64Array;
  stuck: number[];
}

interface Prepared {
  agents: number;
  runs: number;
  maxAttempts: number;
  priority: Float64Array;
  left: Float64Array;
  kind: Uint8Array;
  runningLeft: Float64Array;
  remaining: number;
}

function prepare(work: RemainingWork, opts: ForecastOptions, cp: { tail: Float64Array }): Prepared {
  const g = work.graph;
  const n = g.n;
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
  return {
    agents: Math.max(1, Math.floor(opts.agents)),
    runs: Math.max(1, Math.floor(opts.runs)),
    maxAttempts: Math.max(1, opts.maxAttempts ?? 6),
    priority: Float64Array.from(cp.tail),
    left,
    kind,
    runningLeft,
    remaining,
  };
}

/** How many chunks `runs` makes. */
export const chunkCount = (runs: number): number => Math.ceil(Math.max(1, Math.floor(runs)) / CHUNK_RUNS);

/** Seed of one chunk: the forecast's seed and the chunk's number, mixed. */
const chunkSeed = (seed: number, chunk: number): number => (Math.imul((seed >>> 0) ^ 0x85ebca6b, 0x9e3779b1) + Math.imul(chunk + 1, 0xc2b2ae35)) >>> 0;

/** Draws the given chunks of runs (the worker threads call this). */
export function drawRuns(work: RemainingWork, opts: ForecastOptions, chunks: readonly number[]): RunsPart {
  const g = work.graph;
  const n = g.n;
  const p = prepare(work, opts, analyseCriticalPath(g));
  const samplers = calibrate(opts.observations ?? NO_OBSERVATIONS, opts.priors ?? DEFAULT_PRIORS);
  const sizes = chunks.map((c) => Math.max(0, Math.min(CHUNK_RUNS, p.runs - c * CHUNK_RUNS)));
  const total = sizes.reduce((a, b) => a + b, 0);
  const durations = new Float64Array(n);
  const running = work.running.filter((r) => r.task >= 0 && r.task < n).map((r) => ({ task: r.task, hoursLeft: 0, needsAgent: !r.inReview }));
  const makespans = new Float64Array(total);
  const crossings = new Float64Array(total * LEVELS);
  const finishSum = new Float64Array(n);
  const slackSum = new Float64Array(n);
  const criticalRuns = new Float64Array(n);
  const order = new Int32Array(g.nodeCount);
  const slack = new SlackPass(g, p.agents);
  const sim = new Simulator(g, { agents: p.agents, order: 'priority', priority: p.priority });
  const from = { running, epicDone: work.epicDone };
  let stuck: number[] = [];
  let run = 0;
  // Hoisted out of the loops below: they run tens of millions of times for a big plan.
  const hours = g.hours;
  const kind = p.kind;
  const runningLeft = p.runningLeft;
  const left = p.left;
  const maxAttempts = p.maxAttempts;
  const { ratio, review } = samplers;
  const { seq, end } = sim;
  const nodeCount = g.nodeCount;
  for (let ci = 0; ci < chunks.length; ci++) {
    const rng = createRng(chunkSeed(opts.seed, chunks[ci]!));
    for (let r = 0; r < sizes[ci]!; r++, run++) {
      const { factor, retryRate } = samplers.perRun(rng);
      let ri = 0;
      for (let t = 0; t < n; t++) {
        const k = kind[t]!;
        let d = 0;
        // Work under way (1): the rest of this attempt at the drawn pace, perhaps redone; in review (2): just the review.
        if (k === 1) d = runningLeft[t]! * factor * ratio(rng);
        if (k === 0 || (k === 1 && rng.next() < retryRate)) {
          // An attempt, and its retries (same draws, same order, as ever: the forecast of a seed does not move).
          let a = hours[t]! * factor * ratio(rng);
          for (let j = 1; j < maxAttempts && rng.next() < retryRate; j++) a += hours[t]! * factor * ratio(rng);
          d = k === 0 ? a : d + a;
        }
        if (k === 0) durations[t] = d + review(rng);
        else running[ri++]!.hoursLeft = d + review(rng);
      }
      sim.run(from, durations);
      if (run === 0) stuck = sim.stuck();
      makespans[run] = sim.makespan;
      for (let t = 0; t < n; t++) if (seq[t]! >= 0) finishSum[t]! += end[t]!;
      // Completion order is time order: one sweep finds when the remaining hours cross each level.
      order.fill(-1);
      for (let v = 0; v < nodeCount; v++) if (seq[v]! >= 0) order[seq[v]!] = v;
      let rem = p.remaining;
      let level = 1;
      const base = run * LEVELS;
      for (let i = 0; i < nodeCount && level <= LEVELS; i++) {
        const v = order[i]!;
        if (v < 0) break;
        if (v >= n) continue;
        rem -= left[v]!;
        while (level <= LEVELS && rem <= p.remaining * (1 - level / LEVELS) + 1e-9) crossings[base + level++ - 1] = end[v]!;
      }
      for (; level <= LEVELS; level++) crossings[base + level - 1] = sim.makespan;
      slack.add(sim, order, slackSum, criticalRuns);
    }
  }
  return { chunks: [...chunks], makespans, crossings, finishSum, slackSum, criticalRuns, stuck };
}

export function forecastRemaining(work: RemainingWork, opts: ForecastOptions): ForecastCore {
  const chunks = Array.from({ length: chunkCount(opts.runs) }, (_, c) => c);
  return summariseRuns(work, opts, [drawRuns(work, opts, chunks)]);
}

/** The forecast from the draws of every chunk (parts in any order; merged in chunk order). */
export function summariseRuns(work: RemainingWork, opts: ForecastOptions, parts: readonly RunsPart[]): ForecastCore {
  const g = work.graph;
  const n = g.n;
  const cp = analyseCriticalPath(g);
  const p = prepare(work, opts, cp);
  const samplers = calibrate(opts.observations ?? NO_OBSERVATIONS, opts.priors ?? DEFAULT_PRIORS);

  // Chunk order, whatever thread drew them.
  const pieces: { chunk: number; part: RunsPart; offset: number; size: number }[] = [];
  for (const part of parts) {
    let offset = 0;
    for (const c of part.chunks) {
      const size = Math.max(0, Math.min(CHUNK_RUNS, p.runs - c * CHUNK_RUNS));
      pieces.push({ chunk: c, part, offset, size });
      offset += size;
    }
  }
  pieces.sort((a, b) => a.chunk - b.chunk);
  const runs = pieces.reduce((s, x) => s + x.size, 0);
  const makespans = new Float64Array(runs);
  const crossings = new Float64Array(runs * LEVELS);
  const finishSum = new Float64Array(n);
  const slackSum = new Float64Array(n);
  const criticalRuns = new Float64Array(n);
  let at = 0;
  for (const x of pieces) {
    makespans.set(x.part.makespans.subarray(x.offset, x.offset + x.size), at);
    crossings.set(x.part.crossings.subarray(x.offset * LEVELS, (x.offset + x.size) * LEVELS), at * LEVELS);
    at += x.size;
  }
  for (const part of parts) {
    for (let t = 0; t < n; t++) {
      finishSum[t]! += part.finishSum[t]!;
      slackSum[t]! += part.slackSum[t]!;
      criticalRuns[t]! += part.criticalRuns[t]!;
    }
  }
  const stuck = pieces[0]?.part.stuck ?? [];

  // The deterministic view at estimate pace: critical path and the bound.
  const base = simulate(g, {
    agents: Infinity,
    order: 'fifo',
    from: { running: work.running.map((r) => ({ task: r.task, hoursLeft: r.inReview ? 0 : r.hoursLeft, needsAgent: !r.inReview })), epicDone: work.epicDone },
  });
  let last = -1;
  for (let t = 0; t < n; t++) if (base.seq[t]! >= 0 && (last < 0 || base.end[t]! > base.end[last]!)) last = t;
  const path: number[] = [];
  for (let v = last; v >= 0; v = base.cause[v]!) if (v < n && p.left[v]! > 0) path.push(v);
  path.reverse();
  const criticalPathHours = base.makespan;
  const boundHours = Math.max(criticalPathHours, p.remaining / p.agents);

  const sorted = Float64Array.from(makespans).sort();
  const p50 = quantileSorted(sorted, 0.5);
  const band: BandPoint[] = [{ remaining_hours: r2(p.remaining), p10_hours: 0, p50_hours: 0, p90_hours: 0 }];
  const col = new Float64Array(runs);
  for (let k = 0; k < LEVELS; k++) {
    for (let run = 0; run < runs; run++) col[run] = crossings[run * LEVELS + k]!;
    col.sort();
    band.push({
      remaining_hours: r2(p.remaining * (1 - (k + 1) / LEVELS)),
      p10_hours: r2(quantileSorted(col, 0.1)),
      p50_hours: r2(quantileSorted(col, 0.5)),
      p90_hours: r2(quantileSorted(col, 0.9)),
    });
  }

  const tasks: TaskForecast[] = [];
  const per = Math.max(1, runs);
  for (let t = 0; t < n; t++) {
    tasks.push({ key: g.keys[t]!, finish_hours: r2(finishSum[t]! / per), slack_hours: r2(slackSum[t]! / per), critical_share: r2(criticalRuns[t]! / per) });
  }

  return {
    runs,
    agents: p.agents,
    p10: r2(quantileSorted(sorted, 0.1)),
    p50: r2(p50),
    p80: r2(quantileSorted(sorted, 0.8)),
    p90: r2(quantileSorted(sorted, 0.9)),
    boundHours: r2(boundHours),
    remainingHours: r2(p.remaining),
    criticalPath: path.map((t) => g.keys[t]!),
    criticalPathHours: r2(criticalPathHours),
    calibration: samplers.summary,
    band,
    tasks,
    stuck: stuck.map((t) => g.keys[t]!),
  };
}
