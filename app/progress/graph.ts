import { analyseCriticalPath, buildTaskGraph, type Prerequisite } from '../plan/schedule/index.js';

/** Graph helpers for the dashboard. Pure. */

export interface WeightedNode {
  id: number;
  /** Hours this node still costs (0 for finished work). */
  hours: number;
}

/** An edge from a prerequisite to what depends on it. */
export type Edge = readonly [from: number, to: number];

/**
 * The longest chain of remaining hours through a dependency DAG (the critical path), first
 * prerequisite first: the plan scheduler's critical path (app/plan/schedule) over these nodes.
 * Nodes on a cycle are left out rather than looping.
 */
export function criticalPath(nodes: readonly WeightedNode[], edges: readonly Edge[]): { path: number[]; hours: number } {
  const index = new Map<number, number>();
  const list: { hours: number; epic: number; after: Prerequisite[] }[] = [];
  const ids: number[] = [];
  for (const n of nodes) {
    if (index.has(n.id)) continue;
    index.set(n.id, list.length);
    ids.push(n.id);
    list.push({ hours: Math.max(0, n.hours), epic: -1, after: [] });
  }
  for (const [a, b] of edges) {
    const from = index.get(a);
    const to = index.get(b);
    if (from === undefined || to === undefined || a === b) continue;
    list[to]!.after.push({ task: from });
  }
  const cp = analyseCriticalPath(buildTaskGraph({ tasks: list, epics: [] }));
  const hours = cp.unlimited.makespan;
  if (!(hours > 0)) return { path: [], hours: 0 };
  return { path: cp.tasks.map((t) => ids[t]!), hours: Math.round(hours * 100) / 100 };
}
