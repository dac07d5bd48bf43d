/**
 * Conflict-aware scheduling against critical-path order alone (issue 14).
 *
 * Random plans of 100 to 2,000 tasks, each task touching 1-4 files drawn from a Zipf distribution
 * (a few hot files, a long tail), played by 3, 16 and 64 agents. Each free agent takes the next
 * ready task in critical-path order; with `avoid` it goes through app/core/pickAvoidingConflicts,
 * the same choice the claim path makes. Reports the pairs of overlapping tasks that ran at the same
 * time and the makespan, for `ignore` (the baseline, today's order) and `avoid` in the same run.
 * Target: at least 80% fewer overlapping pairs at no more than 5% makespan cost.
 *
 *   npm run bench:conflicts [-- --seed 7 --plans 5 --files-per-task 20 --zipf 0.7]
 */
import { pickAvoidingConflicts, type ConflictMode } from '../app/core/pickAvoidingConflicts.js';
import { footprintsOverlap } from '../app/core/footprintOverlap.js';
import { taskCriticalPathHours } from '../app/plan/schedule/index.js';
import { createRng } from '../app/progress/forecast/prng.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SIZES = [100, 500, 2000];
const AGENTS = [3, 16, 64];
const PLANS = arg('plans', 4);
/** Files in the repository per task of the plan, and the Zipf exponent of how often each is touched. */
const FILES_PER_TASK = arg('files-per-task', 20);
const ZIPF_S = arg('zipf', 0.7);
/** Share of the finish a colliding task may be held back by (the claim path's `scheduling.slack`). */
const SLACK = arg('slack', 0.03);
// The forecast's seeded generator (mulberry32): deterministic, so runs can be compared.
// Called through the generator: a detached `.next` loses its state.
const rng = createRng(arg('seed', 20261129));
const rnd = (): number => rng.next();
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

interface Task {
  hours: number;
  after: number[];
  files: string[];
}

/** Zipf(s) over 1..n by inverse CDF on a precomputed table. */
function zipf(n: number, s: number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  return () => {
    const u = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function randomPlan(n: number): Task[] {
  const files = FILES_PER_TASK * n;
  const draw = zipf(files, ZIPF_S);
  const reach = rnd() < 0.5 ? int(2, 8) : int(20, Math.max(20, Math.round(n / 4)));
  const tasks: Task[] = [];
  for (let i = 0; i < n; i++) {
    const after = new Set<number>();
    const deps = rnd() < 0.25 ? 0 : int(1, 3);
    for (let d = 0; d < deps && i > 0; d++) after.add(i - int(1, Math.min(i, reach)));
    const fp = new Set<string>();
    const k = int(1, 4);
    while (fp.size < k) fp.add(`src/module${draw()}.ts`);
    tasks.push({ hours: Math.max(0.5, Math.round(Math.exp(1.4 + 0.6 * gauss()) * 2) / 2), after: [...after], files: [...fp] });
  }
  return tasks;
}

function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

interface Outcome {
  makespan: number;
  overlapping: number;
}

function play(tasks: Task[], prio: number[], agents: number, mode: ConflictMode): Outcome {
  const n = tasks.length;
  const waiting = tasks.map((t) => t.after.length);
  const dependents: number[][] = tasks.map(() => []);
  tasks.forEach((t, i) => t.after.forEach((p) => dependents[p]!.push(i)));
  const start = new Float64Array(n).fill(-1);
  const end = new Float64Array(n).fill(-1);
  const ready: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
  const byPriority = (a: number, b: number): number => prio[b]! - prio[a]! || a - b;
  const running: number[] = [];
  let now = 0;
  let done = 0;
  /** Hours of tasks not yet started. */
  let remainingHours = tasks.reduce((s, t) => s + t.hours, 0);
  while (done < n) {
    ready.sort(byPriority);
    while (running.length < agents && ready.length > 0) {
      // The project's remaining critical path: ready tasks' paths, and running tasks' paths less the hours already worked.
      let horizon = 0;
      for (const t of ready) horizon = Math.max(horizon, prio[t]!);
      for (const t of running) horizon = Math.max(horizon, end[t]! - now + prio[t]! - tasks[t]!.hours);
      // The finish can come no sooner than the remaining work spread over the agents either.
      horizon = Math.max(horizon, remainingHours / agents) * (1 + SLACK);
      const pick = pickAvoidingConflicts(
        ready.map((t) => ({ footprint: tasks[t]!.files, pathHours: prio[t]!, hours: tasks[t]!.hours })),
        running.map((t) => ({ footprint: tasks[t]!.files, hoursLeft: end[t]! - now })),
        mode,
        horizon,
      );
      if (pick.index < 0) break;
      const t = ready[pick.index]!;
      ready.splice(pick.index, 1);
      start[t] = now;
      end[t] = now + tasks[t]!.hours;
      remainingHours -= tasks[t]!.hours;
      running.push(t);
    }
    // Advance to the next finish; everything finishing then releases its dependents.
    now = Math.min(...running.map((t) => end[t]!));
    const finished = running.filter((t) => end[t] === now);
    for (const t of finished) {
      running.splice(running.indexOf(t), 1);
      done++;
      for (const d of dependents[t]!) if (--waiting[d]! === 0) ready.push(d);
    }
  }
  // Pairs of overlapping footprints whose run intervals intersect.
  const order = [...Array(n).keys()].sort((a, b) => start[a]! - start[b]!);
  let overlapping = 0;
  for (let x = 0; x < n; x++) {
    const i = order[x]!;
    for (let y = x + 1; y < n && start[order[y]!]! < end[i]!; y++) {
      if (footprintsOverlap(tasks[i]!.files, tasks[order[y]!]!.files)) overlapping++;
    }
  }
  return { makespan: now, overlapping };
}

const MODES = ['ignore', 'avoid', 'forbid'] as const;
/** Share of a plan's tasks touching its most-touched file: how hard the workload is to keep apart. */
function hottestShare(plan: Task[]): number {
  const counts = new Map<string, number>();
  for (const t of plan) for (const f of t.files) counts.set(f, (counts.get(f) ?? 0) + 1);
  return Math.max(...counts.values()) / plan.length;
}
let hottest = 0;
const rows: string[][] = [];
let worstReduction = Infinity;
let worstCost = -Infinity;
for (const size of SIZES) {
  const plans = Array.from({ length: PLANS }, () => randomPlan(size));
  hottest = Math.max(hottest, ...plans.map(hottestShare));
  const prios = plans.map((p) => taskCriticalPathHours({ tasks: p.map((t) => ({ hours: t.hours, epic: -1, after: t.after.map((a) => ({ task: a })) })), epics: [] }));
  for (const agents of AGENTS) {
    const sum = Object.fromEntries(MODES.map((m) => [m, { makespan: 0, overlapping: 0 }])) as Record<ConflictMode, Outcome>;
    for (let k = 0; k < plans.length; k++) {
      for (const mode of MODES) {
        const o = play(plans[k]!, prios[k]!, agents, mode);
        sum[mode].makespan += o.makespan;
        sum[mode].overlapping += o.overlapping;
      }
    }
    const fewer = (m: ConflictMode): number => (sum.ignore.overlapping === 0 ? 1 : 1 - sum[m].overlapping / sum.ignore.overlapping);
    const cost = (m: ConflictMode): number => sum[m].makespan / sum.ignore.makespan - 1;
    worstReduction = Math.min(worstReduction, fewer('avoid'));
    worstCost = Math.max(worstCost, cost('avoid'));
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    rows.push([
      String(size), String(agents),
      (sum.ignore.overlapping / PLANS).toFixed(1), (sum.ignore.makespan / PLANS).toFixed(1),
      (sum.avoid.overlapping / PLANS).toFixed(1), pct(fewer('avoid')), (sum.avoid.makespan / PLANS).toFixed(1), pct(cost('avoid')),
      (sum.forbid.overlapping / PLANS).toFixed(1), pct(fewer('forbid')), (sum.forbid.makespan / PLANS).toFixed(1), pct(cost('forbid')),
    ]);
  }
}

const head = [
  'tasks', 'agents',
  'baseline (critical-path order): overlapping pairs', 'makespan h',
  'avoid: pairs', 'fewer', 'makespan h', 'cost',
  'forbid: pairs', 'fewer', 'makespan h', 'cost',
];
console.log(`bench:conflicts: ${PLANS} random plans per size; each task touches 1-4 of ${FILES_PER_TASK}×tasks files drawn Zipf(${ZIPF_S}) (the hottest file is touched by up to ${(hottest * 100).toFixed(0)}% of a plan's tasks); mean per plan`);
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
console.log(`\navoid, worst case: ${(worstReduction * 100).toFixed(1)}% fewer overlapping pairs (target >= 80%), makespan cost ${(worstCost * 100).toFixed(2)}% (target <= 5%)`);
