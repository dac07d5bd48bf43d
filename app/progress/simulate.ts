import { simulate } from '../plan/schedule/index.js';
import { remainingWork, type DependencyRow, type EpicTotalsRow } from './remainingWork.js';

/**
 * Dependency-aware forecast: HLFET list scheduling of the remaining work over N parallel workers
 * (the plan scheduler's rule: whenever a worker is free it takes the ready task with the highest
 * static level, i.e. the longest remaining chain of hours it starts, then priority, then id: the
 * engine's own hand-out order). Pure; no clock, no database.
 *
 * The scheduling itself is the plan scheduler's (app/plan/schedule), started from where the project
 * stands: app/progress/remainingWork.ts turns the rows into its graph and starting state (work
 * running, partly done, in review; epic progress already made), the same builder the forecast uses.
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
export type SimEdge = DependencyRow;

/** An epic's totals, all its tasks counted (done ones too), cancelled excluded. */
export type SimEpic = EpicTotalsRow;

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

export function simulateRemaining(input: SimInput): SimResult {
  const workers = Math.max(0, Math.floor(input.workers));
  const levels = new Map(input.tasks.map((t) => [t.id, t.level]));
  const work = remainingWork(
    input.tasks.map((t) => ({ id: t.id, epicId: t.epicId, hours: t.hours, status: t.status, percent: t.percentComplete ?? 0, priority: t.priority })),
    input.edges,
    input.epics,
  );
  const sim = simulate(work.graph, {
    agents: workers,
    order: 'priority',
    priority: Float64Array.from(work.tasks, (t) => levels.get(t.id) ?? 0),
    // Work in review needs no agent: it completes when merged (taken as now).
    from: { running: work.running.map((r) => ({ task: r.task, hoursLeft: r.hoursLeft, needsAgent: !r.inReview })), epicDone: work.epicDone },
  });

  const finish = new Map<number, number>();
  for (const [i, t] of work.tasks.entries()) if (sim.seq[i]! >= 0) finish.set(t.id, sim.end[i]!);
  const stuck = sim.stuck.map((i) => work.tasks[i]!.id);
  // Nobody to do the work: it never finishes.
  return { makespanHours: workers === 0 && stuck.length ? Infinity : sim.makespan, stuck, finish };
}
