import type { EngineContext } from './context.js';
import type { Task } from './types.js';
import { refreshReadiness, type ReadinessChange } from './sql/refreshReadiness.js';
import { affectedBy } from './sql/affectedBy.js';
import { tasksByIds } from './sql/tasksByIds.js';

/**
 * Readiness and the ready index after a change has committed. Readiness itself is one predicate
 * in the database (task_unmet_dependencies and task_readiness, migration 0013); the engine copies
 * it into tasks.ready_since, which the generated tasks.ready column and every queue query read.
 */

/** After statuses changed and committed: recompute readiness of what depends on them, feed the index, tell listeners. */
export async function afterStatusChange(ctx: EngineContext, tasks: Task[]): Promise<void> {
  for (const t of tasks) ctx.events.publish('task.updated', { id: t.id, key: t.key, status: t.status, held: t.held });
  const change = await refreshReadiness(ctx.db, await affectedBy(ctx.db, tasks.map((t) => t.id)));
  // A task that is not ready now (claimed, held, done) must leave the index even if its
  // ready_since was already NULL; one that just became ready stays.
  const nowReady = new Set(change.becameReady.map((t) => t.id));
  const gone = tasks.filter((t) => !t.ready && !nowReady.has(t.id)).map((t) => t.id);
  if (gone.length) await ctx.index.write((q) => q.remove(gone));
  await applyReadiness(ctx, change);
}

async function applyReadiness(ctx: EngineContext, change: ReadinessChange): Promise<void> {
  await ctx.index.write(async (q) => {
    await q.add(change.becameReady);
    await q.remove(change.becameUnready);
  });
  for (const t of change.becameReady) ctx.events.publish('task.ready', { id: t.id, key: t.key });
}

/** Recomputes readiness for every task (after seeding, and on the periodic sweep). */
export async function refreshAll(ctx: EngineContext): Promise<number> {
  const change = await refreshReadiness(ctx.db, null);
  await applyReadiness(ctx, change);
  return change.becameReady.length + change.becameUnready.length;
}

/**
 * Tasks whose rows were written (an edit, a plan sync, a new edge): their index entries are
 * replaced, not patched (routing and order may have changed), and the readiness of what depends
 * on them is refreshed. Returns the tasks as they are now.
 */
export async function reindex(ctx: EngineContext, ids: number[]): Promise<Task[]> {
  const unique = [...new Set(ids)];
  if (!unique.length) return [];
  const tasks = await tasksByIds(ctx.db, unique);
  const ready = tasks.filter((t) => t.ready);
  if (ready.length) await ctx.index.replace(ready, []);
  await afterStatusChange(ctx, tasks);
  return tasks;
}
