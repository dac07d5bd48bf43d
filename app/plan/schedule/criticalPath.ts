import { buildDependencyGraph, buildTaskGraph, type DependencyGraph, type SchedulablePlan, type TaskGraphSpec } from './dependencyGraph.js';
import { simulate, type Simulation } from './simulate.js';

export interface CriticalPath {
  /** Task keys along the path, first to last. */
  keys: string[];
  /** The makespan with unlimited agents; equals the hours of the tasks in `keys`. */
  hours: number;
}

export interface CriticalPathAnalysis extends CriticalPath {
  /** The same path as task indices. */
  tasks: number[];
  /** Per task (by index): hours on the longest chain starting at the task, itself included. */
  tail: Float64Array;
  unlimited: Simulation;
}

/**
 * The makespan with unlimited agents and the chain that sets it. An epic threshold counts as
 * met at the earliest moment enough of that epic is done, so only the tasks that finish by
 * then are on a path through it.
 */
export function analyseCriticalPath(g: DependencyGraph): CriticalPathAnalysis {
  const sim = simulate(g, { agents: Infinity, order: 'fifo' });
  const { n } = g;

  let last = -1;
  for (let t = 0; t < n; t++) if (sim.seq[t]! >= 0 && (last < 0 || sim.end[t]! > sim.end[last]!)) last = t;
  const tasks: number[] = [];
  for (let v = last; v >= 0; v = sim.cause[v]!) if (v < n) tasks.push(v);
  tasks.reverse();
  const keys = tasks.map((t) => g.keys[t]!);

  // Longest tails, processed in reverse completion order so every successor is already known.
  const tail = new Float64Array(g.nodeCount);
  const order: number[] = [];
  for (let v = 0; v < g.nodeCount; v++) if (sim.seq[v]! >= 0) order.push(v);
  order.sort((a, b) => sim.seq[b]! - sim.seq[a]!);
  for (let t = 0; t < n; t++) if (sim.seq[t] === -1) tail[t] = g.hours[t]!;
  for (const v of order) {
    let best = 0;
    for (const s of g.succ[v]!) if (tail[s]! > best) best = tail[s]!;
    if (v < n) {
      const e = g.epicOf[v]!;
      // A task feeds a gate only if it was among the work done by the time the gate opened.
      if (e >= 0) for (const gate of g.gatesByEpic[e]!) if (sim.seq[gate]! > sim.seq[v]! && tail[gate]! > best) best = tail[gate]!;
      tail[v] = g.hours[v]! + best;
    } else {
      tail[v] = best;
    }
  }
  return { keys, tasks, hours: round(sim.makespan), tail: tail.subarray(0, n), unlimited: sim };
}

export function criticalPath(plan: SchedulablePlan): CriticalPath {
  const { keys, hours } = analyseCriticalPath(buildDependencyGraph(plan));
  return { keys, hours };
}

/**
 * Per task key: the hours on the longest dependency chain that starts with the task, itself
 * included, epic dependencies counted. The orchestrator's queue serves ready tasks in
 * decreasing order of it (tasks.critical_path_hours).
 */
export function remainingCriticalPathHours(plan: SchedulablePlan): Map<string, number> {
  const g = buildDependencyGraph(plan);
  const { tail } = analyseCriticalPath(g);
  const out = new Map<string, number>();
  for (let t = 0; t < g.n; t++) if (!out.has(g.keys[t]!)) out.set(g.keys[t]!, round(tail[t]!));
  return out;
}

/**
 * The same hours per task index, for callers that hold database rows rather than a plan file
 * (app/plan/criticalPathHours.ts, which writes tasks.critical_path_hours for every door a plan
 * comes in by). Tasks and epics are numbered by their place in the spec's lists.
 */
export function taskCriticalPathHours(spec: TaskGraphSpec): number[] {
  const { tail } = analyseCriticalPath(buildTaskGraph(spec));
  return Array.from(tail, round);
}

export function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
