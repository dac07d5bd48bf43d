// Why this file is longer than the others (~450 lines): the scheduler kernel is deliberately one
// function over local typed arrays, with its heaps and ready set inlined. The forecast runs it
// 2,000 times per forecast over up to thousands of tasks, and splitting it into modules put calls
// and allocations back into that inner loop (issue 16's speed goal). test/plan/scheduleKernel.test.ts
// holds it to the plain reference scheduler, schedule for schedule.
import type { DependencyGraph } from './dependencyGraph.js';

export interface SimulateOptions {
  /** Number of identical agents; Infinity starts every task the moment it is ready; 0 starts nothing new. */
  agents: number;
  /**
   * 'priority': highest `priority[task]` first (HLFET when it holds remaining critical path);
   * 'fifo': first ready, first served, ties in file order (the naive baseline).
   */
  order: 'priority' | 'fifo';
  priority?: Float64Array;
  /** Where the work stands; a plan from scratch unless given. */
  from?: SimulationStart;
  /**
   * Hours each task takes when it starts here, instead of its estimate (a Monte Carlo draw); none
   * below 0. Epic thresholds still count estimated hours done, as the epic_progress view does.
   */
  durations?: Float64Array;
}

/** A project part way through, for forecasting what remains. */
export interface SimulationStart {
  /** Tasks finished before time 0: their dependents and epics count them as done. */
  done?: Iterable<number>;
  /**
   * Tasks already under way at time 0, whatever their prerequisites say: each ends after
   * `hoursLeft`. One that `needsAgent` (the default) holds an agent until then, even when
   * more are under way than there are agents (nothing new starts until enough of them end).
   */
  running?: readonly { task: number; hoursLeft: number; needsAgent?: boolean }[];
  /** Per epic: hours and tasks of it done outside the graph (with `totalHours` in its spec). */
  epicDone?: readonly { epic: number; hours: number; tasks: number }[];
}

export interface Simulation {
  start: Float64Array;
  end: Float64Array;
  /** 0-based agent per task; -1 when never scheduled or agents are unlimited. */
  agent: Int32Array;
  /** The node whose completion made each node ready (its last prerequisite); -1 for sources. */
  cause: Int32Array;
  /** Completion order of every node; -1 for nodes that never completed (a cycle). */
  seq: Int32Array;
  makespan: number;
  /** Tasks that could never start: they wait, directly or not, on themselves. */
  stuck: number[];
}

const EPS = 1e-9;

/**
 * The graph flattened into typed arrays once (successors and gates as CSR lists), so that a
 * Monte Carlo of thousands of runs walks flat memory instead of nested arrays and objects.
 */
interface FlatGraph {
  succStart: Int32Array;
  succ: Int32Array;
  gateStart: Int32Array;
  gateList: Int32Array;
  /** By gate node − n − m. */
  gateHours: Float64Array;
  gateCount: Float64Array;
  /** Per epic: thresholds count hours (1) or, for an epic of 0 hours, tasks (0). */
  byHours: Uint8Array;
}

const flatGraphs = new WeakMap<DependencyGraph, FlatGraph>();

function flatten(g: DependencyGraph): FlatGraph {
  const cached = flatGraphs.get(g);
  if (cached) return cached;
  const { nodeCount, m } = g;
  const succStart = new Int32Array(nodeCount + 1);
  for (let v = 0; v < nodeCount; v++) succStart[v + 1] = succStart[v]! + g.succ[v]!.length;
  const succ = new Int32Array(succStart[nodeCount]!);
  for (let v = 0, k = 0; v < nodeCount; v++) for (const s of g.succ[v]!) succ[k++] = s;
  const gateStart = new Int32Array(m + 1);
  for (let e = 0; e < m; e++) gateStart[e + 1] = gateStart[e]! + g.gatesByEpic[e]!.length;
  const gateList = new Int32Array(gateStart[m]!);
  for (let e = 0, k = 0; e < m; e++) for (const x of g.gatesByEpic[e]!) gateList[k++] = x;
  const gateHours = Float64Array.from(g.gates, (x) => x.requiredHours);
  const gateCount = Float64Array.from(g.gates, (x) => x.requiredCount);
  const byHours = Uint8Array.from(g.epicHours, (h) => (h > 0 ? 1 : 0));
  const flat = { succStart, succ, gateStart, gateList, gateHours, gateCount, byHours };
  flatGraphs.set(g, flat);
  return flat;
}

/** Each node's successors as CSR lists (`succ[succStart[v] .. succStart[v + 1])`), built once per graph. */
export function successorLists(g: DependencyGraph): { succStart: Int32Array; succ: Int32Array } {
  const f = flatten(g);
  return { succStart: f.succStart, succ: f.succ };
}

/**
 * Event-driven list scheduling: whenever agents are idle, the best ready tasks start on the
 * lowest-numbered idle agents. Epic gates open the moment a finishing task brings its epic's
 * done hours to the threshold, which is exactly how the task_readiness view judges them.
 * `opts.from` starts it part way through a project: work done, work under way, epic progress.
 */
export function simulate(g: DependencyGraph, opts: SimulateOptions): Simulation {
  const sim = new Simulator(g, opts);
  sim.run(opts.from, opts.durations);
  return { start: sim.start, end: sim.end, agent: sim.agent, cause: sim.cause, seq: sim.seq, makespan: sim.makespan, stuck: sim.stuck() };
}

/**
 * The scheduler behind `simulate`, set up once per graph and agent count and run many times
 * (the Monte Carlo forecast draws 2,000 schedules of one plan): every buffer is allocated here
 * and reused, and each run's result is in the public arrays until the next run.
 *
 * `run` is one function over local variables, its heaps typed arrays worked in place: the ready
 * list holds ranks (HLFET's order of tasks, fixed for the plan and computed once) in a two-level
 * bitset, so the best ready task is two count-leading-zeros away; 'fifo' is a ring queue, since
 * tasks become ready in time order.
 */
export class Simulator {
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly agent: Int32Array;
  readonly cause: Int32Array;
  readonly seq: Int32Array;
  makespan = 0;

  private readonly g: DependencyGraph;
  private readonly f: FlatGraph;
  private readonly unlimited: boolean;
  private readonly agentCount: number;
  /** 'priority': the task at each rank, and each task's rank (0 goes first). */
  private readonly byRank: Int32Array | null;
  private readonly rankOf: Int32Array | null;

  private readonly remaining: Int32Array;
  private readonly doneHours: Float64Array;
  private readonly doneCount: Int32Array;
  private readonly gatePtr: Int32Array;
  private readonly fixed: Uint8Array;
  private readonly needsAgent: Uint8Array;
  /** 'fifo': the ready queue. */
  private readonly queue: Int32Array;
  /** 'priority': bit r set when the task of rank r is ready; `readyWords` bit w when word w of it is non-zero. */
  private readonly readyBits: Int32Array;
  private readonly readyWords: Int32Array;
  /** Tasks under way, a min-heap by (end, index). */
  private readonly running: Int32Array;
  /** Idle agents, a min-heap. */
  private readonly idle: Int32Array;
  /** Work under way beyond the agents, waiting to be handed one (a stack). */
  private readonly unassigned: Int32Array;
  /** Nodes completed and still to be propagated (a stack: deep chains never touch the call stack). */
  private readonly stack: Int32Array;

  constructor(g: DependencyGraph, opts: Pick<SimulateOptions, 'agents' | 'order' | 'priority'>) {
    const { n, m, nodeCount } = g;
    this.g = g;
    this.f = flatten(g);
    this.unlimited = !Number.isFinite(opts.agents);
    // More agents than tasks never changes a schedule: at most n are ever busy at once.
    this.agentCount = this.unlimited ? 0 : Math.min(n, Math.max(0, Math.floor(opts.agents)));
    const prio = opts.priority;
    if (opts.order === 'priority' && prio) {
      const byRank = Int32Array.from({ length: n }, (_, i) => i);
      byRank.sort((a, b) => (prio[a]! > prio[b]! ? -1 : prio[a]! < prio[b]! ? 1 : a - b));
      const rankOf = new Int32Array(n);
      for (let r = 0; r < n; r++) rankOf[byRank[r]!] = r;
      this.byRank = byRank;
      this.rankOf = rankOf;
    } else {
      this.byRank = null;
      this.rankOf = null;
    }
    this.start = new Float64Array(n);
    this.end = new Float64Array(n);
    this.agent = new Int32Array(n);
    this.cause = new Int32Array(nodeCount);
    this.seq = new Int32Array(nodeCount);
    this.remaining = new Int32Array(nodeCount);
    this.doneHours = new Float64Array(m);
    this.doneCount = new Int32Array(m);
    this.gatePtr = new Int32Array(m);
    this.fixed = new Uint8Array(n);
    this.needsAgent = new Uint8Array(n);
    this.queue = new Int32Array(this.rankOf ? 0 : n);
    this.readyBits = new Int32Array(this.rankOf ? (n + 31) >> 5 : 0);
    // One spare word past the end, always 0.
    this.readyWords = new Int32Array(this.rankOf ? ((this.readyBits.length + 31) >> 5) + 1 : 0);
    this.running = new Int32Array(n);
    this.idle = new Int32Array(this.agentCount);
    this.unassigned = new Int32Array(n);
    this.stack = new Int32Array(nodeCount + n);
  }

  /** Tasks that never completed in the last run (a cycle). */
  stuck(): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.g.n; t++) if (this.seq[t] === -1) out.push(t);
    return out;
  }

  /** One schedule; `durations` as in SimulateOptions (the estimates unless given). */
  run(from?: SimulationStart, durations?: Float64Array): void {
    const g = this.g;
    const { n, m } = g;
    const hours = g.hours;
    const epicOf = g.epicOf;
    const f = this.f;
    const succStart = f.succStart;
    const succ = f.succ;
    const { start, end, agent, cause, seq, remaining, doneHours, doneCount, gatePtr, fixed, needsAgent, queue, readyBits, readyWords, running, idle, unassigned, stack } = this;
    const rankOf = this.rankOf;
    const byRank = this.byRank;
    const unlimited = this.unlimited;
    const qlen = queue.length;
    const dur = durations ?? hours;

    start.fill(-1);
    end.fill(-1);
    agent.fill(-1);
    cause.fill(-1);
    seq.fill(-1);
    remaining.set(g.predCount);
    doneHours.fill(0);
    doneCount.fill(0);
    gatePtr.fill(0);
    fixed.fill(0);
    needsAgent.fill(1);
    readyBits.fill(0);
    readyWords.fill(0);
    let readyHead = 0; // 'fifo': the queue's head; 'priority': the lowest summary word that may be non-zero
    let readySize = 0;
    let runSize = 0;
    let unSize = 0;
    let sp = 0;
    let seqCounter = 0;
    let now = 0;
    let makespan = 0;
    // In increasing order, the array is already a valid min-heap.
    let idleSize = this.agentCount;
    for (let a = 0; a < idleSize; a++) idle[a] = a;

    if (from) {
      for (const d of from.epicDone ?? []) {
        if (!(d.epic >= 0 && d.epic < m)) continue;
        doneHours[d.epic]! += Math.max(0, d.hours);
        doneCount[d.epic]! += Math.max(0, d.tasks);
      }
      for (const r of from.running ?? []) {
        const t = r.task;
        if (!(t >= 0 && t < n) || fixed[t]) continue;
        fixed[t] = 1;
        start[t] = 0;
        end[t] = Math.max(0, r.hoursLeft);
        if (r.needsAgent === false) needsAgent[t] = 0;
        else if (!unlimited) {
          if (idleSize > 0) agent[t] = popIntHeap(idle, idleSize--);
          else unassigned[unSize++] = t;
        }
        pushByEnd(running, runSize++, t, end);
      }
      const done: number[] = [];
      for (const t of from.done ?? []) {
        if (!(t >= 0 && t < n) || fixed[t]) continue;
        fixed[t] = 1;
        start[t] = 0;
        end[t] = 0;
        done.push(t);
      }
      // Done work counts before anything is handed out; gates it opens open at time 0.
      for (let i = done.length - 1; i >= 0; i--) stack[sp++] = done[i]!;
    }

    // Sources: tasks and entries with no prerequisites, gates already met (empty epics, 0%).
    for (let e = 0; e < m; e++) sp = openGates(f, n + m, gatePtr, doneHours, doneCount, cause, stack, e, -1, sp);
    for (let v = 0; v < n + m; v++) {
      if (remaining[v] !== 0 || (v < n && fixed[v])) continue;
      if (v >= n) stack[sp++] = v;
      else if (rankOf === null) queue[(readyHead + readySize++) % qlen] = v;
      else {
        const r = rankOf[v]!;
        readyBits[r >> 5]! |= 1 << (r & 31);
        readyWords[r >> 10]! |= 1 << ((r >> 5) & 31);
        readySize++;
      }
    }

    // `t`: the task whose completion is on the stack (-1: the sources).
    let t = -1;
    for (;;) {
      // Complete the stack, and whatever entries and gates that completes in turn.
      while (sp > 0) {
        const node = stack[--sp]!;
        seq[node] = seqCounter++;
        for (let k = succStart[node]!, hi = succStart[node + 1]!; k < hi; k++) {
          const s = succ[k]!;
          if (--remaining[s]! !== 0 || (s < n && fixed[s])) continue;
          cause[s] = node;
          if (s >= n) stack[sp++] = s;
          else if (rankOf === null) queue[(readyHead + readySize++) % qlen] = s;
          else {
            const r = rankOf[s]!;
            const w = r >> 5;
            readyBits[w]! |= 1 << (r & 31);
            readyWords[w >> 5]! |= 1 << (w & 31);
            if (w >> 5 < readyHead) readyHead = w >> 5;
            readySize++;
          }
        }
        if (node < n) {
          const e = epicOf[node]!;
          if (e < 0) continue;
          doneHours[e]! += hours[node]!;
          doneCount[e]!++;
          sp = openGates(f, n + m, gatePtr, doneHours, doneCount, cause, stack, e, node, sp);
        }
      }
      if (t >= 0) {
        // Its agent goes to work under way that has none, else back to the idle ones.
        if (!unlimited && needsAgent[t]) {
          const a = agent[t]!;
          if (a >= 0) {
            let handed = false;
            while (unSize > 0) {
              const u = unassigned[--unSize]!;
              if (seq[u]! >= 0) continue; // ended already
              agent[u] = a;
              handed = true;
              break;
            }
            if (!handed) pushIntHeap(idle, idleSize++, a);
          }
        }
        // Everything finishing at the same moment frees its agent before anyone is dispatched.
        if (runSize > 0 && end[running[0]!]! <= now + EPS) {
          t = popByEnd(running, runSize--, end);
          stack[sp++] = t;
          continue;
        }
      }
      // The best ready tasks start on the lowest-numbered idle agents.
      while (readySize > 0 && (unlimited || idleSize > 0)) {
        let task: number;
        if (rankOf === null) {
          task = queue[readyHead]!;
          readyHead = (readyHead + 1) % qlen;
        } else {
          while (readyWords[readyHead] === 0) readyHead++;
          const sw = readyWords[readyHead]!;
          const w = (readyHead << 5) + 31 - Math.clz32(sw & -sw);
          const bw = readyBits[w]!;
          const low = bw & -bw;
          const rest = bw ^ low;
          readyBits[w] = rest;
          if (rest === 0) readyWords[readyHead] = sw ^ (sw & -sw);
          task = byRank![(w << 5) + 31 - Math.clz32(low)]!;
        }
        readySize--;
        start[task] = now;
        end[task] = now + dur[task]!;
        if (!unlimited) agent[task] = popIntHeap(idle, idleSize--);
        pushByEnd(running, runSize++, task, end);
      }
      if (runSize === 0) break;
      t = popByEnd(running, runSize--, end);
      now = end[t]!;
      if (now > makespan) makespan = now;
      stack[sp++] = t;
    }
    this.makespan = makespan;
  }

}

/** Opens the gates of epic `e` its done work now meets, in increasing threshold; returns the new stack size. */
function openGates(f: FlatGraph, base: number, gatePtr: Int32Array, doneHours: Float64Array, doneCount: Int32Array, cause: Int32Array, stack: Int32Array, e: number, by: number, sp: number): number {
  const first = f.gateStart[e]!;
  const hi = f.gateStart[e + 1]!;
  for (;;) {
    const k = first + gatePtr[e]!;
    if (k >= hi) return sp;
    const node = f.gateList[k]!;
    const met = f.byHours[e] ? doneHours[e]! >= f.gateHours[node - base]! - EPS : doneCount[e]! >= f.gateCount[node - base]!;
    if (!met) return sp;
    gatePtr[e]!++;
    cause[node] = by;
    stack[sp++] = node;
  }
}

/** Inserts task `t` into the heap `h[0..size)` ordered by (end, index). */
function pushByEnd(h: Int32Array, size: number, t: number, end: Float64Array): void {
  const et = end[t]!;
  let i = size;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const u = h[p]!;
    const eu = end[u]!;
    if (eu < et || (eu === et && u < t)) break;
    h[i] = u;
    i = p;
  }
  h[i] = t;
}

/** Removes and returns the first task of the heap `h[0..size)` ordered by (end, index). */
function popByEnd(h: Int32Array, size: number, end: Float64Array): number {
  const top = h[0]!;
  const last = size - 1;
  if (last > 0) {
    const x = h[last]!;
    const ex = end[x]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      let hc = h[c]!;
      let ec = end[hc]!;
      if (c + 1 < last) {
        const h2 = h[c + 1]!;
        const e2 = end[h2]!;
        if (e2 < ec || (e2 === ec && h2 < hc)) {
          c++;
          hc = h2;
          ec = e2;
        }
      }
      if (ex < ec || (ex === ec && x < hc)) break;
      h[i] = hc;
      i = c;
    }
    h[i] = x;
  }
  return top;
}

function pushIntHeap(h: Int32Array, size: number, x: number): void {
  let i = size;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p]! <= x) break;
    h[i] = h[p]!;
    i = p;
  }
  h[i] = x;
}

function popIntHeap(h: Int32Array, size: number): number {
  const top = h[0]!;
  const last = size - 1;
  if (last > 0) {
    const x = h[last]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && h[c + 1]! < h[c]!) c++;
      if (h[c]! >= x) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = x;
  }
  return top;
}
