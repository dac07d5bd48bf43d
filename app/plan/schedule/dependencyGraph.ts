import { readDependency } from '../../../schema/plan.js';

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
  /** Each epic's whole estimated hours: its thresholds are percents of them (by count when 0). */
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

/** What a task or an epic waits for: a task, or an epic's progress reaching a percent. */
export type Prerequisite = { task: number } | { epic: number; percent: number };

/**
 * A plan already resolved to indices, for callers that do not hold a plan file (the progress
 * forecast works on database rows). Tasks and epics are numbered by their place in the lists.
 */
export interface TaskGraphSpec {
  tasks: readonly { hours: number; /** -1 for none. */ epic: number; after: readonly Prerequisite[] }[];
  epics: readonly {
    after: readonly Prerequisite[];
    /**
     * The epic's whole size when it has work outside this graph (finished tasks, say): thresholds
     * are percents of it. Defaults to the hours and count of its tasks in the graph.
     */
    totalHours?: number;
    totalTasks?: number;
  }[];
  /** Task names for messages and paths; the index as text unless given. */
  keys?: readonly string[];
  epicKeys?: readonly string[];
}

export function buildDependencyGraph(plan: SchedulablePlan): DependencyGraph {
  const epicIndex = new Map<string, number>();
  plan.epics.forEach((e, i) => {
    if (!epicIndex.has(e.key)) epicIndex.set(e.key, i);
  });
  const taskIndex = new Map<string, number>();
  plan.tasks.forEach((t, i) => {
    if (!taskIndex.has(t.key)) taskIndex.set(t.key, i);
  });
  // Resolves one dependency string to what it waits for, or null when it names nothing known.
  const resolve = (refs: readonly string[]): Prerequisite[] => {
    const out: Prerequisite[] = [];
    for (const ref of refs) {
      const d = readDependency(ref);
      if (!d) continue;
      if (d.kind === 'task') {
        const t = taskIndex.get(d.key);
        if (t !== undefined) out.push({ task: t });
      } else {
        const e = epicIndex.get(d.key);
        if (e !== undefined) out.push({ epic: e, percent: d.percent });
      }
    }
    return out;
  };
  return buildTaskGraph({
    tasks: plan.tasks.map((t) => ({ hours: t.hours, epic: epicIndex.get(t.epic) ?? -1, after: resolve(t.dependsOn) })),
    epics: plan.epics.map((e) => ({ after: resolve(e.dependsOn) })),
    keys: plan.tasks.map((t) => t.key),
    epicKeys: plan.epics.map((e) => e.key),
  });
}

export function buildTaskGraph(spec: TaskGraphSpec): DependencyGraph {
  const n = spec.tasks.length;
  const m = spec.epics.length;

  const hours = new Float64Array(n);
  const epicOf = new Int32Array(n).fill(-1);
  const epicHours = new Float64Array(m);
  const epicTaskCount = new Int32Array(m);
  const epicTasks: number[][] = spec.epics.map(() => []);
  spec.tasks.forEach((t, i) => {
    hours[i] = Number.isFinite(t.hours) && t.hours > 0 ? t.hours : 0;
    const e = t.epic;
    if (e >= 0 && e < m) {
      epicOf[i] = e;
      epicHours[e]! += hours[i]!;
      epicTaskCount[e]!++;
      epicTasks[e]!.push(i);
    }
  });
  // Thresholds are percents of the whole epic, work outside the graph included.
  const totalHours = Float64Array.from(epicHours);
  const totalCount = Float64Array.from(epicTaskCount);
  spec.epics.forEach((e, i) => {
    if (e.totalHours !== undefined && Number.isFinite(e.totalHours)) totalHours[i] = Math.max(0, e.totalHours);
    if (e.totalTasks !== undefined && Number.isFinite(e.totalTasks)) totalCount[i] = Math.max(0, e.totalTasks);
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
        requiredHours: (totalHours[e]! * percent) / 100,
        requiredCount: Math.ceil((totalCount[e]! * percent) / 100 - 1e-9),
      });
      gateIds.set(id, g);
    }
    return n + m + g;
  };

  const edges: [number, number][] = [];
  // The node a prerequisite waits for, or null when it names nothing in the graph.
  const source = (p: Prerequisite): number | null => {
    if ('task' in p) return p.task >= 0 && p.task < n ? p.task : null;
    return p.epic >= 0 && p.epic < m ? gateNode(p.epic, p.percent) : null;
  };
  spec.epics.forEach((e, i) => {
    for (const p of e.after) {
      const s = source(p);
      if (s !== null) edges.push([s, n + i]);
    }
  });
  spec.tasks.forEach((t, i) => {
    const e = epicOf[i]!;
    if (e >= 0) edges.push([n + e, i]);
    for (const p of t.after) {
      const s = source(p);
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
  const gatesByEpic: number[][] = spec.epics.map(() => []);
  gates.forEach((g, i) => gatesByEpic[g.epic]!.push(n + m + i));
  for (const list of gatesByEpic) list.sort((a, b) => gates[a - n - m]!.requiredHours - gates[b - n - m]!.requiredHours || gates[a - n - m]!.percent - gates[b - n - m]!.percent);

  return {
    n, m, nodeCount,
    keys: spec.keys ? [...spec.keys] : Array.from({ length: n }, (_, i) => String(i)),
    hours, epicOf,
    epicKeys: spec.epicKeys ? [...spec.epicKeys] : Array.from({ length: m }, (_, i) => String(i)),
    epicHours: totalHours, epicTaskCount, epicTasks,
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
