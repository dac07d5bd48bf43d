import type { Queryable } from '../store/db.js';
import { criticalPath, type Edge } from './graph.js';
import { readGraphTasks } from './sql/readGraphTasks.js';
import { readDependencyRows } from './sql/readDependencyRows.js';

/** The dependency graph for the dashboard: tasks, edges (epic prerequisites expanded), critical path of remaining hours. */

export interface GraphJson {
  nodes: { id: number; key: string; title: string; epic: string | null; status: string; hours: number; ready: boolean; pr_number: number | null; critical: boolean }[];
  edges: { from: number; to: number; kind: 'task' | 'epic'; threshold_percent: number }[];
  critical_path: { task_ids: number[]; keys: string[]; hours: number };
  truncated: boolean;
}

/** Dependency rows read for one graph: far above any plan the dashboard can draw. */
const MAX_DEPENDENCY_ROWS = 200_000;

export async function dependencyGraph(db: Queryable, projectId: number | null, limit: number): Promise<GraphJson> {
  const tasks = await readGraphTasks(db, projectId, limit + 1);
  const truncated = tasks.length > limit;
  const nodes = tasks.slice(0, limit).map((t) => ({ ...t, id: Number(t.id), epic_id: t.epic_id === null ? null : Number(t.epic_id), hours: Number(t.hours) }));
  const ids = nodes.map((n) => n.id);
  const deps = await readDependencyRows(db, projectId, MAX_DEPENDENCY_ROWS);
  const present = new Set(ids);
  const ofEpic = new Map<number, number[]>();
  for (const n of nodes) if (n.epic_id !== null) (ofEpic.get(n.epic_id) ?? ofEpic.set(n.epic_id, []).get(n.epic_id)!).push(n.id);
  const taskEdges: Edge[] = [];
  for (const d of deps) if (d.task_id !== null && d.depends_on_task_id !== null) taskEdges.push([Number(d.depends_on_task_id), Number(d.task_id)]);
  // Within an epic: its sinks (nothing in the epic depends on them) finish it; its sources start it.
  const epicOf = new Map(nodes.map((n) => [n.id, n.epic_id]));
  const innerOut = new Set<number>();
  const innerIn = new Set<number>();
  for (const [a, b] of taskEdges) {
    if (epicOf.get(a) !== undefined && epicOf.get(a) !== null && epicOf.get(a) === epicOf.get(b)) {
      innerOut.add(a);
      innerIn.add(b);
    }
  }
  const sinks = (epicId: number) => (ofEpic.get(epicId) ?? []).filter((id) => !innerOut.has(id));
  const sources = (epicId: number) => (ofEpic.get(epicId) ?? []).filter((id) => !innerIn.has(id));
  const edges: GraphJson['edges'] = [];
  for (const [a, b] of taskEdges) if (present.has(a) && present.has(b)) edges.push({ from: a, to: b, kind: 'task', threshold_percent: 100 });
  if (nodes.length <= 5000) {
    for (const d of deps) {
      if (d.depends_on_epic_id === null) continue;
      const pre = sinks(Number(d.depends_on_epic_id));
      const post = d.task_id !== null ? [Number(d.task_id)] : d.epic_id !== null ? sources(Number(d.epic_id)) : [];
      for (const a of pre) for (const b of post) if (present.has(a) && present.has(b)) edges.push({ from: a, to: b, kind: 'epic', threshold_percent: Number(d.threshold_percent) });
    }
  }
  const cp = criticalPath(
    nodes.map((n) => ({ id: n.id, hours: n.status === 'done' || n.status === 'cancelled' ? 0 : n.hours })),
    edges.map((e) => [e.from, e.to] as const),
  );
  // Finished work at the ends of the chain costs nothing more: the path shown is what remains.
  const hoursOf = new Map(nodes.map((n) => [n.id, n.status === 'done' || n.status === 'cancelled' ? 0 : n.hours]));
  cp.path = cp.path.filter((id) => (hoursOf.get(id) ?? 0) > 0);
  const onPath = new Set(cp.path);
  return {
    nodes: nodes.map((n) => ({ id: n.id, key: n.key, title: n.title, epic: n.epic, status: n.status, hours: n.hours, ready: n.ready, pr_number: n.pr_number, critical: onPath.has(n.id) })),
    edges,
    critical_path: { task_ids: cp.path, keys: cp.path.map((id) => nodes.find((n) => n.id === id)!.key), hours: cp.hours },
    truncated,
  };
}
