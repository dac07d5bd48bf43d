import { NotFoundError, StaleEpochError, ValidationError } from '../core/errors.js';
import { lockCriticalPaths, recomputeCriticalPaths } from '../plan/criticalPathHours.js';
import type { EngineContext } from './context.js';
import type { Actor, Task } from './types.js';
import { authorize } from './authorize.js';
import { getTask, taskIn } from './reads.js';
import { reindex } from './readiness.js';
import { editTask, type TaskPatch } from './sql/editTask.js';
import { taskProject } from './sql/taskProject.js';
import { taskById } from './sql/taskById.js';
import { assignmentAtEpoch } from './sql/assignmentAtEpoch.js';
import { dependsOnTransitively } from './sql/dependsOnTransitively.js';
import { insertTaskDependency } from './sql/insertTaskDependency.js';

/**
 * Steering: edits that change a task's place in the queue (hold, priority, pool routing,
 * estimate, dependencies) and the git fields. An edit that moves a level (an estimate, a new
 * edge) recomputes the project's critical path hours through the one writer
 * (app/plan/criticalPathHours.ts) in the same transaction; every edit then re-indexes what moved.
 */

export type { TaskPatch } from './sql/editTask.js';

/** Outcome of a steering edit: whether anything changed, and the task as it is now. */
export interface EditResult {
  changed: boolean;
  task: Task;
}

function validate(patch: TaskPatch): void {
  if (patch.priority !== undefined && !(Number.isInteger(patch.priority) && patch.priority >= 0 && patch.priority <= 3))
    throw new ValidationError(`priority must be 0..3 (p0..p3), got ${patch.priority}`);
  if (patch.estimatedHours !== undefined && !(Number.isFinite(patch.estimatedHours) && patch.estimatedHours >= 0 && patch.estimatedHours <= 10_000))
    throw new ValidationError(`estimate must be between 0 and 10000 hours, got ${patch.estimatedHours}`);
}

/**
 * Writes the patch and, when the estimate changed, the project's levels, in one transaction;
 * then re-indexes the task and every task whose level moved. Returns the ids re-indexed.
 */
async function write(ctx: EngineContext, taskId: number, patch: TaskPatch): Promise<{ changed: boolean; moved: number[] }> {
  validate(patch);
  const out = await ctx.db.transaction(async (tx) => {
    let projectId: number | null = null;
    if (patch.estimatedHours !== undefined) {
      projectId = await taskProject(tx, taskId);
      // The project's turn to change what its levels derive from, before the first row write.
      if (projectId !== null) await lockCriticalPaths(tx, projectId);
    }
    const r = await editTask(tx, taskId, patch);
    if (!r.found) throw new NotFoundError(`no task with id ${taskId}`);
    const moved = r.changed && projectId !== null ? await recomputeCriticalPaths(tx, projectId) : [];
    return { changed: r.changed, moved };
  });
  return out;
}

/**
 * The API's task edit: hold, priority, pool routing, estimate and the git fields. The task is
 * re-indexed and what depends on it refreshed even when nothing differed (the caller may have
 * written its row from outside).
 */
export async function updateTask(ctx: EngineContext, taskId: number, patch: TaskPatch): Promise<Task> {
  const { moved } = await write(ctx, taskId, patch);
  await reindex(ctx, [taskId, ...moved]);
  return getTask(ctx, taskId);
}

/** One steering edit: re-indexed only when it changed something. */
async function steer(ctx: EngineContext, taskId: number, patch: TaskPatch): Promise<EditResult> {
  const { changed, moved } = await write(ctx, taskId, patch);
  if (changed) await reindex(ctx, [taskId, ...moved]);
  return { changed, task: await getTask(ctx, taskId) };
}

export const setHeld = (ctx: EngineContext, taskId: number, held: boolean) => steer(ctx, taskId, { held });
export const setPriority = (ctx: EngineContext, taskId: number, priority: number) => steer(ctx, taskId, { priority });
export const setRequiredPool = (ctx: EngineContext, taskId: number, pool: string | null) => steer(ctx, taskId, { requiredPool: pool });
/** A new estimate moves the level of everything upstream of the task (and of epic thresholds). */
export const setEstimate = (ctx: EngineContext, taskId: number, hours: number) => steer(ctx, taskId, { estimatedHours: hours });

/**
 * Adds "taskId depends on" edges within its project; refuses itself, other projects' tasks and
 * an edge that would close a cycle, each with why. New edges recompute the project's levels (a
 * prerequisite now heads a longer chain) and take the dependent out of the queue.
 */
export async function addDependencies(ctx: EngineContext, taskId: number, dependsOn: number[]): Promise<{ added: number; refused: string[] }> {
  const refused: string[] = [];
  const { added, moved } = await ctx.db.transaction(async (tx) => {
    const projectId = await taskProject(tx, taskId);
    if (projectId === null) throw new NotFoundError(`no task with id ${taskId}`);
    // Taken first: concurrent edits of one project's edges then see each other (no cycle slips in).
    await lockCriticalPaths(tx, projectId);
    const task = await taskIn(tx, taskId);
    let n = 0;
    for (const depId of [...new Set(dependsOn)]) {
      if (depId === taskId) {
        refused.push(`${task.key} cannot depend on itself`);
        continue;
      }
      const dep = await taskById(tx, depId);
      if (!dep || dep.projectId !== projectId) {
        refused.push(`task ${depId} is not in this project`);
        continue;
      }
      // Would the new edge close a cycle? Walk from the prerequisite along depends-on edges.
      if (await dependsOnTransitively(tx, depId, taskId)) {
        refused.push(`${task.key} → ${dep.key} would make a cycle`);
        continue;
      }
      if (await insertTaskDependency(tx, projectId, taskId, depId)) n++;
    }
    return { added: n, moved: n ? await recomputeCriticalPaths(tx, projectId) : [] };
  });
  if (added) await reindex(ctx, [taskId, ...moved]);
  return { added, refused };
}

/** Branch and PR number reported by the lease holder; a stale epoch changes nothing. */
export async function setGit(
  ctx: EngineContext,
  taskId: number,
  git: { epoch?: number | undefined; branch?: string | undefined; prNumber?: number | undefined; prUrl?: string | undefined },
  actor: Actor,
): Promise<Task> {
  const task = await getTask(ctx, taskId);
  if (actor.kind === 'agent' || actor.kind === 'job') {
    if (git.epoch === undefined) throw new ValidationError('epoch is required: send the lease epoch you were given with the claim');
    const a = await assignmentAtEpoch(ctx.db, task.id, git.epoch);
    if (!a) throw new StaleEpochError(`epoch ${git.epoch} was never issued for task ${task.key}`);
    authorize(actor, a);
    if (task.leaseEpoch !== git.epoch) throw new StaleEpochError(`epoch ${git.epoch} for task ${task.key} is stale (current is ${task.leaseEpoch}); nothing was changed`);
  } else if (git.epoch !== undefined && git.epoch !== task.leaseEpoch) {
    throw new StaleEpochError(`epoch ${git.epoch} for task ${task.key} is stale (current is ${task.leaseEpoch}); nothing was changed`);
  }
  const updated = await updateTask(ctx, task.id, {
    ...(git.branch !== undefined ? { branch: git.branch } : {}),
    ...(git.prNumber !== undefined ? { prNumber: git.prNumber } : {}),
    ...(git.prUrl !== undefined ? { prUrl: git.prUrl } : {}),
  });
  ctx.events.publish('task.updated', { id: updated.id, key: updated.key, status: updated.status, branch: updated.branch, pr_number: updated.prNumber, pr_url: updated.prUrl });
  return updated;
}
