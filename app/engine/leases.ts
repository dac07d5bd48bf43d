import { StaleEpochError } from '../core/errors.js';
import type { EngineContext } from './context.js';
import type { Actor, Assignment, Task } from './types.js';
import { authorize } from './authorize.js';
import { getAssignment, getTask, taskIn } from './reads.js';
import { afterStatusChange } from './readiness.js';
import { moveTaskIn, returnTaskIn } from './status.js';
import { extendLeases } from './sql/leases.js';
import { expiredAssignments } from './sql/expiredAssignments.js';
import { endAssignment as endAssignmentRow } from './sql/endAssignment.js';
import { activeAssignment } from './sql/activeAssignment.js';

/** Leases: extended by heartbeats, ended by people, failed runs and the clock. */

/** Extends one assignment's lease; refused with 409 once its epoch is superseded. */
export async function heartbeatAssignment(ctx: EngineContext, assignmentId: number, epoch: number, actor: Actor): Promise<Assignment> {
  const current = await getAssignment(ctx, assignmentId);
  authorize(actor, current);
  if (current.status !== 'active' || current.epoch !== epoch)
    throw new StaleEpochError(`assignment ${assignmentId} at epoch ${epoch} is no longer active (status ${current.status}, epoch ${current.epoch})`);
  await ctx.db.transaction((tx) => extendLeases(tx, [{ id: assignmentId, epoch }], ctx.leaseTtlSeconds));
  return getAssignment(ctx, assignmentId);
}

/**
 * Ends an active assignment (released by a person, failed run, expired lease, cancel): the task
 * goes back to the queue, or to failed once it has used its attempts, or is cancelled. Its status
 * changes through moveTask like every other.
 */
export async function endAssignment(
  ctx: EngineContext,
  assignmentId: number,
  status: 'released' | 'failed' | 'expired' | 'cancelled',
  reason: string,
  opts: { countAttempt: boolean },
): Promise<Task | null> {
  const task = await ctx.db.transaction(async (tx) => {
    const taskId = await endAssignmentRow(tx, assignmentId, status, reason);
    if (taskId === null) return null;
    if (status === 'cancelled') await moveTaskIn(tx, taskId, 'cancelled', reason, { endAssignmentAs: null });
    else await returnTaskIn(tx, ctx, taskId, reason, opts.countAttempt);
    return taskIn(tx, taskId);
  });
  if (!task) return null;
  ctx.events.publish(status === 'expired' ? 'lease.expired' : 'assignment.updated', { id: assignmentId, status, reason, task_id: task.id, key: task.key });
  await afterStatusChange(ctx, [task]);
  return task;
}

/** Releases whatever active assignment a task has (failed run, /fleet unassign). */
export async function releaseTask(ctx: EngineContext, taskId: number, reason: string, opts: { countAttempt: boolean }): Promise<Task> {
  const a = await activeAssignment(ctx.db, taskId);
  if (!a) return getTask(ctx, taskId);
  return (await endAssignment(ctx, a.id, opts.countAttempt ? 'failed' : 'released', reason, opts)) ?? getTask(ctx, taskId);
}

/** Leases that ran out: each task goes back to the queue with the attempt counted, or fails. */
export async function sweepLeases(ctx: EngineContext): Promise<number> {
  let n = 0;
  for (const id of await expiredAssignments(ctx.db)) {
    const t = await endAssignment(ctx, id, 'expired', 'lease expired: no heartbeat from the agent', { countAttempt: true });
    if (t) n++;
  }
  return n;
}
