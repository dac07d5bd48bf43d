import { buildTaskGraph, type DependencyGraph, type Prerequisite } from '../plan/schedule/index.js';

/**
 * The work a project has left, as the plan scheduler's graph and starting state: the one builder
 * behind the velocity ETA (progress/simulate.ts) and the Monte Carlo forecast (progress/forecast).
 * A dependency on a task that is not in the rows (done or cancelled) is met; an epic-level
 * dependency applies to each of the epic's tasks; an epic without totals counts as complete.
 */

/** A task not done and not cancelled. */
export interface RemainingTask {
  id: number;
  key?: string;
  /** 0 when the task has no epic. */
  epicId: number;
  /** Estimated hours of the whole task. */
  hours: number;
  status: string;
  /** Percent reported by the agent holding it (running tasks only). */
  percent?: number;
  /** Tie order after the static level: priority, then id (the engine's hand-out order). */
  priority: number;
}

/** One dependency row: a task or a whole epic depends on a task, or on an epic at a threshold percent. */
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

export interface RemainingWork {
  graph: DependencyGraph;
  /** Work under way at time 0: estimate-hours still to do; `inReview` holds no agent (it waits for a merge). */
  running: { task: number; hoursLeft: number; inReview?: boolean }[];
  /** Per epic: work of it done outside the graph. */
  epicDone: { epic: number; hours: number; tasks: number }[];
  /** The tasks in graph order (priority, then id): index i of the graph is tasks[i]. */
  tasks: RemainingTask[];
}

const isRunning = (s: string): boolean => s === 'assigned' || s === 'in_progress';

export function remainingWork(rows: readonly RemainingTask[], deps: readonly DependencyRow[], epics: readonly EpicTotalsRow[]): RemainingWork {
  // Indices in the engine's tie order: the scheduler breaks ties of level by index.
  const tasks = [...new Map(rows.map((r) => [r.id, r])).values()].sort((a, b) => a.priority - b.priority || a.id - b.id);
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const epicIndex = new Map<number, number>();
  const epicSpecs: { after: Prerequisite[]; totalHours: number; totalTasks: number }[] = [];
  const epicDone: RemainingWork['epicDone'] = [];
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
      // A task never waits on itself.
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
    keys: tasks.map((t) => t.key ?? String(t.id)),
  });
  const running: RemainingWork['running'] = [];
  tasks.forEach((t, i) => {
    if (isRunning(t.status)) running.push({ task: i, hoursLeft: t.hours * (1 - Math.min(100, Math.max(0, t.percent ?? 0)) / 100) });
    else if (t.status === 'in_review') running.push({ task: i, hoursLeft: 0, inReview: true });
  });
  return { graph, running, epicDone, tasks };
}
