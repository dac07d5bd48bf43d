import { NotFoundError, StaleEpochError } from '../core/errors.js';
import type { TaskStatus } from '../core/taskStatus.js';
import type { EngineContext } from './context.js';
import type { Actor, Assignment, ProgressReport, Task } from './types.js';
import { authorize } from './authorize.js';
import { taskIn } from './reads.js';
import { afterStatusChange } from './readiness.js';
import { moveTaskIn, returnTaskIn } from './status.js';
import { assignmentForReport } from './sql/assignmentForReport.js';
import { assignmentById } from './sql/assignmentById.js';
import { recordProgress } from './sql/recordProgress.js';
import { extendTaskLease } from './sql/extendTaskLease.js';
import { KEEP_COLUMNS, writeTaskStatus } from './sql/writeTaskStatus.js';
import { assignmentEvent } from './claims.js';

/**
 * Progress from the agent holding the lease: percent and notes, or the end of its work. The
 * lease runs again from now; a status the report implies goes through moveTask (in the same
 * transaction), a reported failure through the engine's hand-back rule.
 */
export async function reportProgress(ctx: EngineContext, assignmentId: number, report: ProgressReport, actor: Actor): Promise<{ assignment: Assignment; task: Task }> {
  const result = await ctx.db.transaction(async (tx) => {
    const found = await assignmentForReport(tx, assignmentId);
    if (!found) throw new NotFoundError(`no assignment with id ${assignmentId}`);
    const { assignment: a, taskStatus: current, taskKey } = found;
    authorize(actor, a);
    // The same report again (its answer was lost): this very report ended the assignment, so
    // the answer is the state now, not a conflict.
    if (a.status !== 'active' && a.epoch === report.epoch && report.status && a.endReason === `reported ${report.status}`)
      return { assignment: a, task: await taskIn(tx, a.taskId), statusChanged: false, repeated: true };
    if (a.status !== 'active' || a.epoch !== report.epoch)
      throw new StaleEpochError(
        `assignment ${assignmentId} for task ${taskKey}: epoch ${report.epoch} is stale (assignment is ${a.status} at epoch ${a.epoch}); nothing was changed`,
      );
    const to = report.status;
    const ended = to === 'in_review' || to === 'done' ? 'completed' : to === 'failed' ? 'failed' : null;
    // Work started shows as in_progress, whether said or implied by a first percent.
    const target: TaskStatus =
      to === 'in_progress' || to === 'in_review' || to === 'done' ? to : to === undefined && current === 'assigned' && (report.percentComplete ?? 0) > 0 ? 'in_progress' : current;
    await recordProgress(
      tx,
      assignmentId,
      { percentComplete: report.percentComplete ?? null, notes: report.notes ?? null, ended, endReason: ended ? `reported ${to}` : null },
      ctx.leaseTtlSeconds,
    );
    if (ended === 'failed') {
      await returnTaskIn(tx, ctx, a.taskId, report.notes ? `agent reported failure: ${report.notes}` : 'agent reported failure', true);
    } else if (target !== current) {
      // The assignment was ended above with the report's own reason; moveTask leaves it.
      await moveTaskIn(tx, a.taskId, target, ended ? `reported ${to}` : 'agent reported progress', { endAssignmentAs: null });
      if (!ended) await extendTaskLease(tx, a.taskId, ctx.leaseTtlSeconds);
    } else if (!ended) {
      await extendTaskLease(tx, a.taskId, ctx.leaseTtlSeconds);
    } else {
      // Already in the reported status: only the lease goes with the assignment.
      await writeTaskStatus(tx, a.taskId, current, `reported ${to}`, KEEP_COLUMNS);
    }
    const assignment = (await assignmentById(tx, assignmentId))!;
    return { assignment, task: await taskIn(tx, a.taskId), statusChanged: target !== current || ended !== null, repeated: false };
  });
  if (result.repeated) return { assignment: result.assignment, task: result.task };
  ctx.events.publish('assignment.updated', assignmentEvent(result.assignment, result.task));
  if (result.statusChanged) await afterStatusChange(ctx, [result.task]);
  return { assignment: result.assignment, task: result.task };
}
