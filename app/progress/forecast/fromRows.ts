import { buildTaskGraph, type Prerequisite } from '../../plan/schedule/index.js';
import type { RemainingWork } from './monteCarlo.js';

/** Database rows of the work left, as app/progress/forecast/sql/remainingTasks.ts reads them. */
export interface WorkRow {
  id: number;
  key: string;
  /** 0 when the task has no epic. */
  epicId: number;
  hours: number;
  status: string;
  /** Percent reported by the agent holding it. */
  percent: number;
  /** Tie order after the static level: priority, then id (the engine's hand-out order). */
  priority: number;
}

export interface DependencyRow {
  taskId: number | null;
  epicId: number | null;
  dependsOnTaskId: number | null;
  dependsOnEpicId: number | null;
  thresholdPercent: number;
}

/** An epic's totals, all its tasks counted (done ones too), cancelled ones not. */
export interface EpicTotalsRow {
  id: number;
  hoursTotal: number;
  hoursDone: number;
  tasksTotal: number;
  tasksDone: number;
}

/**
 * The remaining work as the scheduler's graph. A dependency on a task that is not in the rows
 * (done or cancelled) is met; an epic-level dependency applies to each of the epic's tasks.
 */
export function workFromRows(rows: readonly WorkRow[], deps: readonly DependencyRow[], epics: readonly EpicTotalsRow[]): RemainingWork & { ids: number[] } {
  const tasks = [...new Map(rows.map((r) => [r.id, r])).values()].sort((a, b) => a.priority - b.priority || a.id - b.id);
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const epicIndex = new Map<number, number>();
  const epicSpecs: { after: Prerequisite[]; totalHours: number; totalTasks: number }[] = [];
  const epicDone: { epic: number; hours: number; tasks: number }[] = [];
  for (const e of epics) {
    if (epicIndex.has(e.id)) continue;
    epicIndex.set(e.id, epicSpecs.length);
    epicDone.push({ epic: epicSpecs.length, hours: e.hoursDone, tasks: e.tasksDone });
    epicSpecs.push({ after: [], totalHours: e.hoursTotal, totalTasks: e.tasksTotal });
  }
  const ofEpic = new Map<number, number[]>();
  tasks.forEach((t, i) => {
    const list = ofEpic.get(t.epicId);
    if (list) list.push(i);
    else ofEpic.set(t.epicId, [i]);
  });
  const after: Prerequisite[][] = tasks.map(() => []);
  const add = (i: number, d: DependencyRow): void => {
    if (d.dependsOnTaskId !== null) {
      const pre = index.get(d.dependsOnTaskId);
      if (pre !== undefined && pre !== i) after[i]!.push({ task: pre });
    } else if (d.dependsOnEpicId !== null) {
      const e = epicIndex.get(d.dependsOnEpicId);
      if (e !== undefined) after[i]!.push({ epic: e, percent: d.thresholdPercent });
    }
  };
  for (const d of deps) {
    if (d.taskId !== null) {
      const i = index.get(d.taskId);
      if (i !== undefined) add(i, d);
    } else if (d.epicId !== null) for (const i of ofEpic.get(d.epicId) ?? []) add(i, d);
  }
  const graph = buildTaskGraph({
    tasks: tasks.map((t, i) => ({ hours: t.hours, epic: epicIndex.get(t.epicId) ?? -1, after: after[i]! })),
    epics: epicSpecs,
    keys: tasks.map((t) => t.key),
  });
  const running: RemainingWork['running'][number][] = [];
  tasks.forEach((t, i) => {
    if (t.status === 'assigned' || t.status === 'in_progress') running.push({ task: i, hoursLeft: t.hours * (1 - Math.min(100, Math.max(0, t.percent)) / 100) });
    else if (t.status === 'in_review') running.push({ task: i, hoursLeft: 0, inReview: true });
  });
  return { graph, running, epicDone, ids: tasks.map((t) => t.id) };
}
