import type { DependencyGraph } from './dependencyGraph.js';
import { MinHeap } from './minHeap.js';

export interface SimulateOptions {
  /** Number of identical agents; Infinity starts every task the moment it is ready. */
  agents: number;
  /**
   * 'priority': highest `priority[task]` first (HLFET when it holds remaining critical path);
   * 'fifo': first ready, first served, ties in file order (the naive baseline).
   */
  order: 'priority' | 'fifo';
  priority?: Float64Array;
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
 * Event-driven list scheduling: whenever agents are idle, the best ready tasks start on the
 * lowest-numbered idle agents. Epic gates open the moment a finishing task brings its epic's
 * done hours to the threshold, which is exactly how the task_readiness view judges them.
 */
export function simulate(g: DependencyGraph, opts: SimulateOptions): Simulation {
  const { n, m, nodeCount } = g;
  const start = new Float64Array(n).fill(-1);
  const end = new Float64Array(n).fill(-1);
  const agent = new Int32Array(n).fill(-1);
  const cause = new Int32Array(nodeCount).fill(-1);
  const seq = new Int32Array(nodeCount).fill(-1);
  const readyAt = new Float64Array(n);
  const readyOrder = new Int32Array(n);
  const remaining = Int32Array.from(g.predCount);
  const doneHours = new Float64Array(m);
  const doneCount = new Int32Array(m);
  const gatePtr = new Int32Array(m);
  let seqCounter = 0;
  let readyCounter = 0;
  let now = 0;

  const prio = opts.priority;
  const ready = new MinHeap(
    opts.order === 'priority' && prio
      ? (a, b) => prio[a]! > prio[b]! || (prio[a] === prio[b] && a < b)
      : (a, b) => readyAt[a]! < readyAt[b]! || (readyAt[a] === readyAt[b] && readyOrder[a]! < readyOrder[b]!),
  );
  const running = new MinHeap((a, b) => end[a]! < end[b]! || (end[a] === end[b] && a < b));
  const unlimited = !Number.isFinite(opts.agents);
  const agentCount = unlimited ? 0 : Math.max(1, Math.floor(opts.agents));
  const idle = new MinHeap((a, b) => a < b);
  for (let a = 0; a < agentCount; a++) idle.push(a);

  // Completing a node can complete entries and gates in turn; an explicit stack keeps deep
  // chains of them from overflowing the call stack.
  const stack: number[] = [];
  const complete = (first?: number): void => {
    if (first !== undefined) stack.push(first);
    while (stack.length > 0) {
      const node = stack.pop()!;
      seq[node] = seqCounter++;
      for (const s of g.succ[node]!) {
        if (--remaining[s]! !== 0) continue;
        cause[s] = node;
        if (s < n) {
          readyAt[s] = now;
          readyOrder[s] = readyCounter++;
          ready.push(s);
        } else stack.push(s);
      }
      if (node < n) {
        const e = g.epicOf[node]!;
        if (e < 0) continue;
        doneHours[e]! += g.hours[node]!;
        doneCount[e]!++;
        openGates(e, node);
      }
    }
  };
  const openGates = (e: number, by: number): void => {
    const list = g.gatesByEpic[e]!;
    while (gatePtr[e]! < list.length) {
      const node = list[gatePtr[e]!]!;
      const gate = g.gates[node - n - m]!;
      const met = g.epicHours[e]! > 0 ? doneHours[e]! >= gate.requiredHours - EPS : doneCount[e]! >= gate.requiredCount;
      if (!met) break;
      gatePtr[e]!++;
      cause[node] = by;
      stack.push(node);
    }
  };

  // Sources: tasks and entries with no prerequisites, gates already met (empty epics, 0%).
  for (let e = 0; e < m; e++) openGates(e, -1);
  for (let v = 0; v < n + m; v++) {
    if (remaining[v] !== 0) continue;
    if (v < n) {
      readyOrder[v] = readyCounter++;
      ready.push(v);
    } else stack.push(v);
  }
  complete();

  let makespan = 0;
  for (;;) {
    while (ready.size > 0 && (unlimited || idle.size > 0)) {
      const t = ready.pop()!;
      start[t] = now;
      end[t] = now + g.hours[t]!;
      if (!unlimited) agent[t] = idle.pop()!;
      running.push(t);
    }
    const next = running.pop();
    if (next === undefined) break;
    now = end[next]!;
    makespan = Math.max(makespan, now);
    if (!unlimited) idle.push(agent[next]!);
    complete(next);
    // Everything finishing at the same moment frees its agent before anyone is dispatched.
    while (running.size > 0 && end[running.peek()!]! <= now + EPS) {
      const t = running.pop()!;
      if (!unlimited) idle.push(agent[t]!);
      complete(t);
    }
  }

  const stuck: number[] = [];
  for (let t = 0; t < n; t++) if (seq[t] === -1) stuck.push(t);
  return { start, end, agent, cause, seq, makespan, stuck };
}
