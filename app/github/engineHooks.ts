import type { Engine } from '../engine/engine.js';
import type { EngineHooks } from './ports.js';

/** Adapts the engine (app/engine/engine.ts) to what sqlPort needs from it. */
export function engineHooks(engine: Engine): EngineHooks {
  const touch = async (ids: number[]) => {
    // An empty patch re-indexes the task (routing and order may have changed) and refreshes
    // the readiness of everything that depends on it.
    for (const id of ids) await engine.updateTask(id, {});
  };
  return {
    claimForPool: (pool, projectId) => engine.claimForPool(pool, projectId),
    async releaseTask(taskId, reason, opts) {
      await engine.releaseTask(taskId, reason, opts);
    },
    onTaskFinished: (taskId) => engine.onTaskFinished(taskId),
    onTasksChanged: (ids) => touch(ids),
    onEvidence: (e) => engine.events.publish('evidence.created', { task_id: e.taskId, type: e.type, ref: e.ref, url: e.url, source: e.source }),
  };
}
