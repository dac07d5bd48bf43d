import type { Queryable } from '../store/db.js';
import { canTransition, transition, type TaskStatus } from '../core/taskStatus.js';
import type { EngineContext } from './context.js';
import type { Task } from './types.js';
import { taskIn } from './reads.js';
import { afterStatusChange, reindex } from './readiness.js';
import { activeAssignment } from './sql/activeAssignment.js';
import { endTaskAssignment } from './sql/endTaskAssignment.js';
import { attemptLimit } from './sql/attemptLimit.js';
import { KEEP_COLUMNS, writeTaskStatus, type StatusColumns } from './sql/writeTaskStatus.js';
import { backoffPolicy, readyAtMs } from '../core/backoff.js';
import { projectBackoff } from '../guards/sql/projectBackoff.js';
import { holdForBackoff } from '../guards/sql/guardHolds.js';

/** How a status change ends the task's live assignment. */
export type AssignmentEnd = 'completed' | 'cancelled' | 'released' | 'failed';

/** The engine's rule: finished work completes it, a cancel cancels it, going back releases it. */
const defaultAssignmentEnd = (to: TaskStatus): AssignmentEnd | null =>
  to === 'cancelled' ? 'cancelled' : to === 'pending' || to === 'failed' ? 'released' : to === 'done' || to === 'in_review' ? 'completed' : null;

export interface MoveTaskOptions {
  /** Applies only from these statuses; from any other (but `to` itself) it is refused, not thrown. */
  from?: readonly TaskStatus[] | undefined;
  /** Step through `pending` when the table needs it (cancelled → pending → done); without a path it is refused. */
  via?: 'pending' | undefined;
  /** How the live assignment ends; null leaves it. Default by target (see defaultAssignmentEnd). */
  endAssignmentAs?: AssignmentEnd | null | undefined;
  /**
   * Columns written with the final step, overriding the engine's rule: completed_at is set on
   * done and cleared on pending, failure_reason takes the reason on failed and cancelled,
   * attempts reset going back to pending from failed/cancelled/done (`giveBack` returns one
   * attempt: the end was not the agent's fault), ready_since is left to the readiness refresh.
   */
  set?: {
    completedAt?: 'now' | 'clear' | 'keep' | undefined;
    failureReason?: 'reason' | 'clear' | 'keep' | undefined;
    attempts?: 'reset' | 'giveBack' | 'keep' | undefined;
    readySince?: 'clear' | 'keep' | undefined;
  };
  /**
   * After a change commits: 'status' refreshes readiness of what depends on it and the index
   * (afterStatusChange); 'reindex' also replaces the task's own index entry; 'none' leaves it to
   * the caller. Default 'status'.
   */
  refresh?: 'status' | 'reindex' | 'none' | undefined;
}

/** Outcome of moveTask: applied, already so, or refused with why. */
export type MoveResult = { changed: boolean; task: Task } | { changed: false; refused: string; task: Task };

/**
 * The one status change, inside the caller's transaction: locks the live assignment then the
 * task, checks `from` and the transition table, steps through `pending` when asked and needed,
 * ends the live assignment as the target requires, and writes the task's lease, completion,
 * failure and attempt columns. A refusal (`from`, or no path even through pending) is an answer,
 * not an error; an illegal move without `via` throws IllegalTransitionError. Readiness and the
 * index are the caller's to refresh once committed (see moveTask).
 */
export async function moveTaskIn(tx: Queryable, taskId: number, to: TaskStatus, reason: string, opts: MoveTaskOptions = {}): Promise<MoveResult> {
  // Lock order everywhere: assignment, then task.
  await activeAssignment(tx, taskId, true);
  const cur = await taskIn(tx, taskId, true);
  if (cur.status === to) return { changed: false, task: cur };
  if (opts.from && !opts.from.includes(cur.status)) {
    return { changed: false, refused: `task ${cur.key} is ${cur.status}; this applies only to ${opts.from.join(', ')}`, task: cur };
  }
  let path: TaskStatus[];
  if (canTransition(cur.status, to)) path = [to];
  else if (opts.via === 'pending' && canTransition(cur.status, 'pending') && canTransition('pending', to)) path = ['pending', to];
  else if (opts.via) return { changed: false, refused: `task ${cur.key} is ${cur.status} and cannot become ${to}`, task: cur };
  else path = [transition(cur.status, to, cur.key)];
  const end = opts.endAssignmentAs === undefined ? defaultAssignmentEnd(to) : opts.endAssignmentAs;
  if (end) await endTaskAssignment(tx, taskId, end, reason);
  // Steps on the way only change the status; the columns go with the final one.
  for (const step of path.slice(0, -1)) await writeTaskStatus(tx, taskId, step, reason, KEEP_COLUMNS);
  const set = opts.set ?? {};
  const columns: StatusColumns = {
    completedAt: set.completedAt ?? (to === 'done' ? 'now' : to === 'pending' ? 'clear' : 'keep'),
    failureReason: set.failureReason ?? (to === 'failed' || to === 'cancelled' ? 'reason' : 'keep'),
    attempts: set.attempts ?? (to === 'pending' && (cur.status === 'failed' || cur.status === 'cancelled' || cur.status === 'done') ? 'reset' : 'keep'),
    clearReadySince: set.readySince === 'clear',
  };
  await writeTaskStatus(tx, taskId, to, reason, columns);
  return { changed: true, task: await taskIn(tx, taskId) };
}

/** moveTaskIn in its own transaction, then the readiness and index refresh `opts.refresh` names. */
export async function moveTask(ctx: EngineContext, taskId: number, to: TaskStatus, reason: string, opts: MoveTaskOptions = {}): Promise<MoveResult> {
  const result = await ctx.db.transaction((tx) => moveTaskIn(tx, taskId, to, reason, opts));
  if (result.changed) await refreshAfterMove(ctx, result.task, opts.refresh ?? 'status');
  return result;
}

export async function refreshAfterMove(ctx: EngineContext, task: Task, refresh: 'status' | 'reindex' | 'none'): Promise<void> {
  if (refresh === 'status') await afterStatusChange(ctx, [task]);
  else if (refresh === 'reindex') await reindex(ctx, [task.id]);
}

/**
 * Moves a task to a status on evidence (PR opened → in_review, merged → done, issue closed),
 * ending its live assignment when the work is finished. Illegal moves are typed errors.
 */
export async function setStatus(ctx: EngineContext, taskId: number, to: TaskStatus, reason: string): Promise<Task> {
  const { task } = await moveTask(ctx, taskId, to, reason, { refresh: 'none' });
  await afterStatusChange(ctx, [task]);
  return task;
}

/**
 * Hands a leased task back whose assignment has already ended: to pending with the attempt
 * counted (or given back when the end was not the agent's fault), or to failed with the reason
 * once it has used its attempts (the project's limit, else the server's).
 */
export async function returnTaskIn(tx: Queryable, ctx: EngineContext, taskId: number, reason: string, countAttempt: boolean): Promise<void> {
  const t = await attemptLimit(tx, taskId, ctx.maxAttempts);
  if (!t || !(t.status === 'assigned' || t.status === 'in_progress' || t.status === 'in_review')) return;
  const fail = countAttempt && t.attempts >= t.max;
  await moveTaskIn(tx, taskId, fail ? 'failed' : 'pending', fail ? `${reason} (after ${t.attempts} attempts)` : reason, {
    endAssignmentAs: null,
    set: { completedAt: 'keep', failureReason: 'reason', attempts: countAttempt ? 'keep' : 'giveBack' },
  });
  // Issue 15: a failed attempt is ready again only after its backoff (held `backoff` until then),
  // so a 429 storm is not retried at once by every runner.
  if (ctx.retryBackoff && countAttempt && !fail) {
    const policy = backoffPolicy(await projectBackoff(tx, taskId));
    await holdForBackoff(tx, taskId, new Date(readyAtMs(ctx.now(), t.attempts, policy)));
  }
}
