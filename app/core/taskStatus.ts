import { IllegalTransitionError, TRANSITIONS_FOR_MESSAGES } from './errors.js';

export const TASK_STATUSES = ['pending', 'assigned', 'in_progress', 'in_review', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Legal moves; the same table lives in schema/migrations/0001_init.sql (a test keeps them equal). */
export const TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['assigned', 'in_review', 'done', 'cancelled', 'failed'],
  assigned: ['in_progress', 'in_review', 'pending', 'done', 'failed', 'cancelled'],
  in_progress: ['in_review', 'pending', 'done', 'failed', 'cancelled'],
  in_review: ['in_progress', 'pending', 'done', 'failed', 'cancelled'],
  failed: ['pending', 'cancelled', 'done'],
  cancelled: ['pending'],
  done: ['pending'],
};
for (const [from, tos] of Object.entries(TRANSITIONS)) TRANSITIONS_FOR_MESSAGES.set(from, tos);

export function isTaskStatus(v: unknown): v is TaskStatus {
  return typeof v === 'string' && (TASK_STATUSES as readonly string[]).includes(v);
}

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || TRANSITIONS[from].includes(to);
}

/** Returns the new status or throws IllegalTransitionError; staying put is always allowed. */
export function transition(from: TaskStatus, to: TaskStatus, taskKey?: string): TaskStatus {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to, taskKey);
  return to;
}

/** Statuses in which a task is finished for scheduling purposes. */
export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['done', 'cancelled']);
/** Statuses in which a task is held by an agent under a lease. */
export const LEASED: ReadonlySet<TaskStatus> = new Set(['assigned', 'in_progress']);
