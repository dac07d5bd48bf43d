import type { Engine } from '../engine/engine.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { AgentAssignResult, EngineHooks } from './ports.js';

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
    moveTask: (taskId, to, reason, opts) => engine.moveTask(taskId, to, reason, opts),
    onTasksChanged: (ids) => touch(ids),
    async assignToAgent(taskId, agentName): Promise<AgentAssignResult> {
      const agents = await engine.listAgents();
      // Exact name first; else a case-insensitive match when it is unambiguous.
      const agent =
        agents.find((a) => a.name === agentName) ??
        ((m) => (m.length === 1 ? m[0] : undefined))(agents.filter((a) => a.name.toLowerCase() === agentName.toLowerCase()));
      if (!agent) return { refused: `there is no agent \`${agentName}\``, unknownAgent: true };
      if (!agent.active) return { refused: `agent ${agent.name} is deactivated: an admin must activate it (POST /api/agents/${agent.id}/activate) before it can take tasks` };
      try {
        return { claim: await engine.assign(taskId, agent.id) };
      } catch (err) {
        // "task 1.2 cannot be assigned: it is on hold" and the like; anything else is a fault.
        if (err instanceof ConflictError || err instanceof NotFoundError) return { refused: err.message };
        throw err;
      }
    },
    onEvidence: (e) => engine.events.publish('evidence.created', { task_id: e.taskId, type: e.type, ref: e.ref, url: e.url, source: e.source }),
  };
}
