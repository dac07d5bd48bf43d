import { buildTaskGraph, simulate, type Prerequisite } from '../plan/schedule/index.js';

/**
 * Dependency-aware forecast: HLFET list scheduling of the remaining work over N parallel workers
 * (the plan scheduler's rule: whenever a worker is free it takes the ready task with the highest
 * static level, i.e. the longest remaining chain of hours it starts, then priority, then id: the
 * engine's own hand-out order). Pure; no clock, no database.
 *
 * The scheduling itself is the plan scheduler's (app/plan/schedule), started from where the project
 * stands: this module only turns database rows into its graph and starting state (work running,
 * partly done, in review; epic progress already made).
 */

export type SimStatus = 'pending' | 'assigned' | 'in_progress' | 'in_review' | 'failed' | 'held';

export interface SimTask {
  id: number;
  /** 0 when the task has no epic. */
  epicId: number;
  /** Estimated hours of the whole task. */
  hours: number;
  status: SimStatus;
  /** Reported by the agent holding it (running tasks only). */
  percentComplete?: number;
  /** Static level: hours on the longest chain this task starts (tasks.critical_path_hours). */
  level: number;
  priority: number;
}

/** One dependency row: a task or a whole epic depends on a task, or on an epic at a threshold percent. */
export interface SimEdge {
  taskId: number | null;
  epicId: number | null;
  dependsOnTaskId: number | null;
  dependsOnEpicId: number | null;
  thresholdPercent: number;
}

/** An epic's totals, all its tasks counted (done ones too), cancelled excluded. */
export interface SimEpic {
  id: number;
  hoursTotal: number;
  hoursDone: number;
  tasksTotal: number;
  tasksDone: number;
}

export interface SimInput {
  /** Tasks not done and not cancelled; a dependency on any other task is already met. */
  tasks: readonly SimTask[];
  edges: readonly SimEdge[];
  epics: readonly SimEpic[];
  /** Parallel workers (sum of the active agents' capacities). */
  workers: number;
}

export interface SimResult {
  /** Estimate-hours from now until the last remaining task completes. */
  makespanHours: number;
  /** Tasks that can never start (a dependency cycle, or a prerequisite that can never be met). */
  stuck: number[];
  /** Completion time (estimate-hours from now) of each simulated task. */
  finish: Map<number, number>;
}

const isRunning = (s: SimStatus) => s === 'assigned' || s === 'in_progress';

export function simulateRemaining(input: SimInput): SimResult {
  const workers = Math.max(0, Math.floor(input.workers));

  // Task indices in the engine's tie order (priority, then id): the scheduler breaks ties of
  // level by index.
  const byId = new Map<number, SimTask>();
  for (const t of input.tasks) byId.set(t.id, t);
  const tasks = [...byId.values()].sort((a, b) => a.priority - b.priority || a.id - b.id);
  const index = new Map(tasks.map((t, i) => [t.id, i]));

  // Epics with totals: their progress opens thresholds. A task of any other epic moves nothing.
  const epicIndex = new Map<number, number>();
  const epics: { after: Prerequisite[]; totalHours: number; totalTasks: number }[] = [];
  const epicDone: { epic: number; hours: number; tasks: number }[] = [];
  for (const e of input.epics) {
    if (epicIndex.has(e.id)) continue;
    epicIndex.set(e.id, epics.length);
    epicDone.push({ epic: epics.length, hours: e.hoursDone, tasks: e.tasksDone });
    epics.push({ after: [], totalHours: e.hoursTotal, totalTasks: e.tasksTotal });
  }
  const tasksOfEpic = new Map<number, number[]>();
  for (const [i, t] of tasks.entries()) (tasksOfEpic.get(t.epicId) ?? tasksOfEpic.set(t.epicId, []).get(t.epicId)!).push(i);

  const after: Prerequisite[][] = tasks.map(() => []);
  const addPrereq = (i: number, e: SimEdge): void => {
    if (e.dependsOnTaskId !== null) {
      const pre = index.get(e.dependsOnTaskId);
      // Done or cancelled (not in the input): met. A task never waits on itself.
      if (pre !== undefined && pre !== i) after[i]!.push({ task: pre });
    } else if (e.dependsOnEpicId !== null) {
      // An epic without totals counts as complete.
      const epic = epicIndex.get(e.dependsOnEpicId);
      if (epic !== undefined) after[i]!.push({ epic, percent: e.thresholdPercent });
    }
  };
  for (const e of input.edges) {
    if (e.taskId !== null) {
      const i = index.get(e.taskId);
      if (i !== undefined) addPrereq(i, e);
    } else if (e.epicId !== null) {
      for (const i of tasksOfEpic.get(e.epicId) ?? []) addPrereq(i, e);
    }
  }

  const g = buildTaskGraph({
    tasks: tasks.map((t, i) => ({ hours: t.hours, epic: epicIndex.get(t.epicId) ?? -1, after: after[i]! })),
    epics,
  });
  const running: { task: number; hoursLeft: number; needsAgent?: boolean }[] = [];
  for (const [i, t] of tasks.entries()) {
    if (isRunning(t.status)) {
      running.push({ task: i, hoursLeft: t.hours * (1 - Math.min(100, Math.max(0, t.percentComplete ?? 0)) / 100) });
    } else if (t.status === 'in_review') {
      // Work in review needs no agent: it completes when merged (taken as now).
      running.push({ task: i, hoursLeft: 0, needsAgent: false });
    }
  }
  const sim = simulate(g, {
    agents: workers,
    order: 'priority',
    priority: Float64Array.from(tasks, (t) => t.level),
    from: { running, epicDone },
  });

  const finish = new Map<number, number>();
  for (const [i, t] of tasks.entries()) if (sim.seq[i]! >= 0) finish.set(t.id, sim.end[i]!);
  const stuck = sim.stuck.map((i) => tasks[i]!.id);
  // Nobody to do the work: it never finishes.
  return { makespanHours: workers === 0 && stuck.length ? Infinity : sim.makespan, stuck, finish };
}
