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
 * Heaps are typed arrays: the ready list holds ranks (HLFET's order of tasks, fixed for the
 * plan, computed once), so comparing two ready tasks is comparing two integers; 'fifo' is a
 * plain queue, since tasks become ready in time order.
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
  /**
   * The ready list. 'priority': a two-level bitset of ranks (bit r of `readyBits` set when the
   * task of rank r is ready, bit w of `readyWords` when word w of it is non-zero), so the best
   * ready task is found with two count-leading-zeros; `readyHead` is the lowest summary word that
   * may be non-zero. 'fifo': a ring queue of tasks from `readyHead`.
   */
  private readonly ready: Int32Array;
  private readonly readyBits: Int32Array;
  private readonly readyWords: Int32Array;
  private readyHead = 0;
  private readySize = 0;
  /** Tasks under way, a min-heap by (end, index). */
  private readonly running: Int32Array;
  private runningSize = 0;
  /** Idle agents, a min-heap. */
  private readonly idle: Int32Array;
  private idleSize = 0;
  /** Work under way beyond the agents, waiting to be handed one (a stack). */
  private readonly unassigned: Int32Array;
  private unassignedSize = 0;
  /** Nodes completed and still to be propagated (a stack: deep chains never touch the call stack). */
  private readonly stack: Int32Array;
  private stackSize = 0;
  private seqCounter = 0;
  private now = 0;
  private durations: Float64Array | undefined = undefined;

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
    this.ready = new Int32Array(this.rankOf ? 0 : n);
    this.readyBits = new Int32Array(this.rankOf ? (n + 31) >> 5 : 0);
    // One spare word past the end: the scan for a non-empty word stops there when all are empty (never popped then).
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
    this.start.fill(-1);
    this.end.fill(-1);
    this.agent.fill(-1);
    this.cause.fill(-1);
    this.seq.fill(-1);
    this.remaining.set(g.predCount);
    this.doneHours.fill(0);
    this.doneCount.fill(0);
    this.gatePtr.fill(0);
    this.fixed.fill(0);
    this.needsAgent.fill(1);
    this.readyHead = this.readySize = this.runningSize = this.unassignedSize = this.stackSize = 0;
    this.readyBits.fill(0);
    this.readyWords.fill(0);
    this.idleSize = 0;
    // In increasing order, the array is already a valid min-heap.
    for (let a = 0; a < this.agentCount; a++) this.idle[this.idleSize++] = a;
    this.seqCounter = 0;
    this.now = 0;
    this.makespan = 0;
    this.durations = durations;

    if (from) {
      for (const d of from.epicDone ?? []) {
        if (!(d.epic >= 0 && d.epic < m)) continue;
        this.doneHours[d.epic]! += Math.max(0, d.hours);
        this.doneCount[d.epic]! += Math.max(0, d.tasks);
      }
      for (const r of from.running ?? []) {
        const t = r.task;
        if (!(t >= 0 && t < n) || this.fixed[t]) continue;
        this.fixed[t] = 1;
        this.start[t] = 0;
        this.end[t] = Math.max(0, r.hoursLeft);
        if (r.needsAgent === false) this.needsAgent[t] = 0;
        else if (!this.unlimited) {
          if (this.idleSize > 0) this.agent[t] = this.popIdle();
          else this.unassigned[this.unassignedSize++] = t;
        }
        this.pushRunning(t);
      }
      const done: number[] = [];
      for (const t of from.done ?? []) {
        if (!(t >= 0 && t < n) || this.fixed[t]) continue;
        this.fixed[t] = 1;
        this.start[t] = 0;
        this.end[t] = 0;
        done.push(t);
      }
      // Done work counts before anything is handed out; gates it opens open at time 0.
      for (let i = done.length - 1; i >= 0; i--) this.stack[this.stackSize++] = done[i]!;
    }

    // Sources: tasks and entries with no prerequisites, gates already met (empty epics, 0%).
    for (let e = 0; e < m; e++) this.openGates(e, -1);
    for (let v = 0; v < n + m; v++) {
      if (this.remaining[v] !== 0 || (v < n && this.fixed[v])) continue;
      if (v < n) this.pushReady(v);
      else this.stack[this.stackSize++] = v;
    }
    this.propagate();

    const end = this.end;
    for (;;) {
      while (this.readySize > 0 && (this.unlimited || this.idleSize > 0)) {
        const t = this.popReady();
        this.start[t] = this.now;
        end[t] = this.now + (durations ? durations[t]! : g.hours[t]!);
        if (!this.unlimited) this.agent[t] = this.popIdle();
        this.pushRunning(t);
      }
      if (this.runningSize === 0) break;
      const next = this.popRunning();
      this.now = end[next]!;
      if (this.now > this.makespan) this.makespan = this.now;
      this.finish(next);
      // Everything finishing at the same moment frees its agent before anyone is dispatched.
      while (this.runningSize > 0 && end[this.running[0]!]! <= this.now + EPS) this.finish(this.popRunning());
    }
  }

  private finish(t: number): void {
    this.stack[this.stackSize++] = t;
    this.propagate();
    this.freeAgentOf(t);
  }

  /** Completes the nodes on the stack and whatever entries and gates they complete in turn. */
  private propagate(): void {
    const { n } = this.g;
    const { succStart, succ } = this.f;
    const stack = this.stack;
    const remaining = this.remaining;
    const fixed = this.fixed;
    while (this.stackSize > 0) {
      const node = stack[--this.stackSize]!;
      this.seq[node] = this.seqCounter++;
      for (let k = succStart[node]!, hi = succStart[node + 1]!; k < hi; k++) {
        const s = succ[k]!;
        if (--remaining[s]! !== 0 || (s < n && fixed[s])) continue;
        this.cause[s] = node;
        if (s < n) this.pushReady(s);
        else stack[this.stackSize++] = s;
      }
      if (node < n) {
        const e = this.g.epicOf[node]!;
        if (e < 0) continue;
        this.doneHours[e]! += this.g.hours[node]!;
        this.doneCount[e]!++;
        this.openGates(e, node);
      }
    }
  }

  private openGates(e: number, by: number): void {
    const f = this.f;
    const base = this.g.n + this.g.m;
    const hi = f.gateStart[e + 1]!;
    for (;;) {
      const k = f.gateStart[e]! + this.gatePtr[e]!;
      if (k >= hi) return;
      const node = f.gateList[k]!;
      const met = f.byHours[e] ? this.doneHours[e]! >= f.gateHours[node - base]! - EPS : this.doneCount[e]! >= f.gateCount[node - base]!;
      if (!met) return;
      this.gatePtr[e]!++;
      this.cause[node] = by;
      this.stack[this.stackSize++] = node;
    }
  }

  private freeAgentOf(t: number): void {
    if (this.unlimited || !this.needsAgent[t]) return;
    const a = this.agent[t]!;
    if (a < 0) return; // it never held one of ours
    while (this.unassignedSize > 0) {
      const u = this.unassigned[--this.unassignedSize]!;
      if (this.seq[u]! >= 0) continue; // ended already
      this.agent[u] = a;
      return;
    }
    this.pushIdle(a);
  }

  private pushReady(t: number): void {
    const rankOf = this.rankOf;
    this.readySize++;
    if (!rankOf) {
      // First ready, first served: tasks become ready in time order, so a ring queue keeps it.
      const q = this.ready;
      q[(this.readyHead + this.readySize - 1) % q.length] = t;
      return;
    }
    const r = rankOf[t]!;
    const w = r >> 5;
    this.readyBits[w]! |= 1 << (r & 31);
    this.readyWords[w >> 5]! |= 1 << (w & 31);
    if (w >> 5 < this.readyHead) this.readyHead = w >> 5;
  }

  private popReady(): number {
    this.readySize--;
    if (!this.rankOf) {
      const q = this.ready;
      const t = q[this.readyHead]!;
      this.readyHead = (this.readyHead + 1) % q.length;
      return t;
    }
    // The lowest rank set: the first non-empty summary word from the low-water mark, its lowest bit, that word's lowest bit.
    const words = this.readyWords;
    let s = this.readyHead;
    while (words[s] === 0) s++;
    this.readyHead = s;
    const sw = words[s]!;
    const w = (s << 5) + 31 - Math.clz32(sw & -sw);
    const bw = this.readyBits[w]!;
    const low = bw & -bw;
    const r = (w << 5) + 31 - Math.clz32(low);
    const rest = bw ^ low;
    this.readyBits[w] = rest;
    if (rest === 0) words[s] = sw ^ (sw & -sw);
    return this.byRank![r]!;
  }

  /** Running tasks by end time, then index. */
  private pushRunning(t: number): void {
    const h = this.running;
    const end = this.end;
    const et = end[t]!;
    let i = this.runningSize++;
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

  private popRunning(): number {
    const h = this.running;
    const end = this.end;
    const top = h[0]!;
    const size = --this.runningSize;
    if (size > 0) {
      const x = h[size]!;
      const ex = end[x]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        let ec = end[h[c]!]!;
        if (c + 1 < size) {
          const e2 = end[h[c + 1]!]!;
          if (e2 < ec || (e2 === ec && h[c + 1]! < h[c]!)) {
            c++;
            ec = e2;
          }
        }
        const hc = h[c]!;
        if (ex < ec || (ex === ec && x < hc)) break;
        h[i] = hc;
        i = c;
      }
      h[i] = x;
    }
    return top;
  }

  private pushIdle(a: number): void {
    const h = this.idle;
    let i = this.idleSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= a) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = a;
  }

  private popIdle(): number {
    const h = this.idle;
    const top = h[0]!;
    const size = --this.idleSize;
    if (size > 0) {
      const x = h[size]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && h[c + 1]! < h[c]!) c++;
        if (h[c]! >= x) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = x;
    }
    return top;
  }
}
