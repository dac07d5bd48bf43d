import { readDependency } from '../../schema/plan.js';

/** The parts of a plan that scheduling needs; a full `Plan` fits. */
export interface SchedulablePlan {
  epics: readonly { key: string; dependsOn: readonly string[] }[];
  tasks: readonly { key: string; epic: string; hours: number; dependsOn: readonly string[] }[];
}

export interface Gate {
  epic: number;
  percent: number;
  /** Done hours of the epic at which the gate opens (hours-weighted, like the epic_progress view). */
  requiredHours: number;
  /** Used instead when the epic's tasks carry no hours at all. */
  requiredCount: number;
}

/**
 * Tasks and their prerequisites as one graph with three kinds of node:
 *   0 .. n-1        tasks, in file order;
 *   n .. n+m-1      one "entry" per epic: met when the epic's own prerequisites are, and a
 *                   prerequisite of each of its tasks (so an epic-level dependency costs one
 *                   edge per task, not one per task pair);
 *   n+m ..          one gate per (epic, threshold) used anywhere: opened by progress, not by
 *                   predecessors, when enough of the epic's estimated hours are done.
 * Dependencies naming unknown tasks or epics are left out; the parser reports them.
 */
export interface DependencyGraph {
  n: number;
  m: number;
  nodeCount: number;
  keys: string[];
  hours: Float64Array;
  epicOf: Int32Array;
  epicKeys: string[];
  epicHours: Float64Array;
  epicTaskCount: Int32Array;
  epicTasks: number[][];
  gates: Gate[];
  /** Gate node ids per epic, in increasing required hours. */
  gatesByEpic: number[][];
  succ: number[][];
  preds: number[][];
  /** Predecessor count per node; a gate counts 1 for its progress condition. */
  predCount: Int32Array;
}

export function buildDependencyGraph(plan: SchedulablePlan): DependencyGraph {
  const n = plan.tasks.length;
  const m = plan.epics.length;
  const epicIndex = new Map<string, number>();
  plan.epics.forEach((e, i) => {
    if (!epicIndex.has(e.key)) epicIndex.set(e.key, i);
  });
  const taskIndex = new Map<string, number>();
  plan.tasks.forEach((t, i) => {
    if (!taskIndex.has(t.key)) taskIndex.set(t.key, i);
  });

  const hours = new Float64Array(n);
  const epicOf = new Int32Array(n).fill(-1);
  const epicHours = new Float64Array(m);
  const epicTaskCount = new Int32Array(m);
  const epicTasks: number[][] = plan.epics.map(() => []);
  plan.tasks.forEach((t, i) => {
    hours[i] = Number.isFinite(t.hours) && t.hours > 0 ? t.hours : 0;
    const e = epicIndex.get(t.epic);
    if (e !== undefined) {
      epicOf[i] = e;
      epicHours[e]! += hours[i]!;
      epicTaskCount[e]!++;
      epicTasks[e]!.push(i);
    }
  });

  const gateIds = new Map<string, number>();
  const gates: Gate[] = [];
  const gateNode = (e: number, percent: number): number => {
    const id = `${e}@${percent}`;
    let g = gateIds.get(id);
    if (g === undefined) {
      g = gates.length;
      gates.push({
        epic: e,
        percent,
        requiredHours: (epicHours[e]! * percent) / 100,
        requiredCount: Math.ceil((epicTaskCount[e]! * percent) / 100 - 1e-9),
      });
      gateIds.set(id, g);
    }
    return n + m + g;
  };

  const edges: [number, number][] = [];
  // Resolves one dependency string to the node it waits for, or null when it names nothing known.
  const source = (ref: string): number | null => {
    const d = readDependency(ref);
    if (!d) return null;
    if (d.kind === 'task') return taskIndex.get(d.key) ?? null;
    const e = epicIndex.get(d.key);
    return e === undefined ? null : gateNode(e, d.percent);
  };
  plan.epics.forEach((e, i) => {
    for (const ref of e.dependsOn) {
      const s = source(ref);
      if (s !== null) edges.push([s, n + i]);
    }
  });
  plan.tasks.forEach((t, i) => {
    const e = epicOf[i]!;
    if (e >= 0) edges.push([n + e, i]);
    for (const ref of t.dependsOn) {
      const s = source(ref);
      if (s !== null) edges.push([s, i]);
    }
  });

  const nodeCount = n + m + gates.length;
  const succ: number[][] = Array.from({ length: nodeCount }, () => []);
  const preds: number[][] = Array.from({ length: nodeCount }, () => []);
  const predCount = new Int32Array(nodeCount);
  for (const [from, to] of edges) {
    succ[from]!.push(to);
    preds[to]!.push(from);
    predCount[to]!++;
  }
  for (let g = 0; g < gates.length; g++) predCount[n + m + g] = 1;
  const gatesByEpic: number[][] = plan.epics.map(() => []);
  gates.forEach((g, i) => gatesByEpic[g.epic]!.push(n + m + i));
  for (const list of gatesByEpic) list.sort((a, b) => gates[a - n - m]!.requiredHours - gates[b - n - m]!.requiredHours || gates[a - n - m]!.percent - gates[b - n - m]!.percent);

  return {
    n, m, nodeCount,
    keys: plan.tasks.map((t) => t.key),
    hours, epicOf,
    epicKeys: plan.epics.map((e) => e.key),
    epicHours, epicTaskCount, epicTasks,
    gates, gatesByEpic, succ, preds, predCount,
  };
}

/** A node's name in messages: a task key, "epic 2" for an entry, "epic:1@50" for a gate. */
export function nodeLabel(g: DependencyGraph, node: number): string {
  if (node < g.n) return g.keys[node]!;
  if (node < g.n + g.m) return `epic ${g.epicKeys[node - g.n]}`;
  const gate = g.gates[node - g.n - g.m]!;
  const key = g.epicKeys[gate.epic]!;
  return gate.percent >= 100 ? `epic:${key}` : `epic:${key}@${gate.percent}`;
}
