import type { Queryable } from '../store/db.js';
import { taskCriticalPathHours } from './schedule/criticalPath.js';
import type { Prerequisite, TaskGraphSpec } from './schedule/dependencyGraph.js';
import { lockProjectLevels } from './sql/lockProjectLevels.js';
import { projectTaskHours, type TaskHoursRow as TaskRow } from './sql/projectTaskHours.js';
import { projectEpicKeys, type EpicKeyRow as EpicRow } from './sql/projectEpicKeys.js';
import { projectEdges, type EdgeRow } from './sql/projectEdges.js';
import { writeLevels } from './sql/writeLevels.js';

/**
 * The one writer of `tasks.critical_path_hours`, the queue's first ordering key. Every door a plan
 * comes in by (`fleet seed`, the push of the plan file, `fleet sync`) and every edit that moves
 * a level (`/fleet estimate`) calls it after writing its rows, so a task's place in the queue
 * never depends on which door was used. It reads the project's tasks, epics and dependency rows
 * (epic thresholds included) and runs the scheduler's own computation
 * (app/plan/schedule/criticalPath.ts) over them.
 */

/**
 * "1.2" < "1.10" < "2.1": keys compared by their runs of digits as numbers. Rows are put in this
 * order, not in insertion order, so that the same plan gives the same graph (and the same answer
 * on exact ties) whichever door wrote it and in whatever order.
 */
export function compareKeys(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y) || x.length - y.length;
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** The graph spec of a project's rows, and the task ids in spec order. */
export function criticalPathSpec(tasks: readonly TaskRow[], epics: readonly EpicRow[], edges: readonly EdgeRow[]): { spec: TaskGraphSpec; ids: number[] } {
  const ts = [...tasks].sort((a, b) => compareKeys(a.key, b.key));
  const es = [...epics].sort((a, b) => compareKeys(a.key, b.key));
  const taskIndex = new Map(ts.map((t, i) => [Number(t.id), i]));
  const epicIndex = new Map(es.map((e, i) => [Number(e.id), i]));
  const taskAfter = ts.map((): Prerequisite[] => []);
  const epicAfter = es.map((): Prerequisite[] => []);
  for (const d of edges) {
    let p: Prerequisite | null = null;
    if (d.depends_on_task_id !== null) {
      const i = taskIndex.get(Number(d.depends_on_task_id));
      if (i !== undefined) p = { task: i };
    } else if (d.depends_on_epic_id !== null) {
      const i = epicIndex.get(Number(d.depends_on_epic_id));
      if (i !== undefined) p = { epic: i, percent: Number(d.threshold) };
    }
    if (!p) continue;
    if (d.task_id !== null) {
      const i = taskIndex.get(Number(d.task_id));
      if (i !== undefined) taskAfter[i]!.push(p);
    } else if (d.epic_id !== null) {
      const i = epicIndex.get(Number(d.epic_id));
      if (i !== undefined) epicAfter[i]!.push(p);
    }
  }
  return {
    ids: ts.map((t) => Number(t.id)),
    spec: {
      tasks: ts.map((t, i) => ({ hours: Number(t.hours), epic: t.epic_id === null ? -1 : (epicIndex.get(Number(t.epic_id)) ?? -1), after: taskAfter[i]! })),
      epics: es.map((_, i) => ({ after: epicAfter[i]! })),
      keys: ts.map((t) => t.key),
      epicKeys: es.map((e) => e.key),
    },
  };
}

/**
 * Takes the project's turn to change what its levels derive from (estimates, dependencies, tasks),
 * until the transaction ends. A writer takes it before its first row write, so two writers of one
 * project never hold rows the other's recomputation must update (a deadlock).
 */
export async function lockCriticalPaths(tx: Queryable, projectId: number): Promise<void> {
  await lockProjectLevels(tx, projectId);
}

/**
 * Recomputes and writes the critical path hours of every task of a project; returns the ids whose
 * level changed (their ready-index entries must be replaced). Call it inside the transaction that
 * wrote the rows, after lockCriticalPaths (taken again here; the lock is re-entrant).
 */
export async function recomputeCriticalPaths(tx: Queryable, projectId: number): Promise<number[]> {
  await lockCriticalPaths(tx, projectId);
  const tasks = await projectTaskHours(tx, projectId);
  if (!tasks.length) return [];
  const { spec, ids } = criticalPathSpec(tasks, await projectEpicKeys(tx, projectId), await projectEdges(tx, projectId));
  const hours = taskCriticalPathHours(spec).map((h) => Math.round(h * 100) / 100);
  return writeLevels(tx, ids, hours);
}
