import type { Engine } from '../engine/engine.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { AgentAssignResult, EngineHooks } from './ports.js';

/** Adapts the engine (app/engine/engine.ts) to what sqlPort needs from it. */
export function engineHooks(engine: Engine): EngineHooks {
  return {
    claimForPool: (pool, projectId) => engine.claimForPool(pool, projectId),
    async releaseTask(taskId, reason, opts) {
      await engine.releaseTask(taskId, reason, opts);
    },
    moveTask: (taskId, to, reason, opts) => engine.moveTask(taskId, to, reason, opts),
    reindex: (ids) => engine.reindex(ids),
    setHeld: (taskId, held) => engine.setHeld(taskId, held),
    setPriority: (taskId, priority) => engine.setPriority(taskId, priority),
    setRequiredPool: (taskId, pool) => engine.setRequiredPool(taskId, pool),
    setEstimate: (taskId, hours) => engine.setEstimate(taskId, hours),
    addDependencies: (taskId, ids) => engine.addDependencies(taskId, ids),
    unmetDependencies: (taskId) => engine.unmetDependencies(taskId),
    async assignToAgent(taskId, agentName): Promise<AgentAssignResult> {
      const agent = await engine.agentNamed(agentName);
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
    onEvidence: (e) => engine.events.publish('evidence.created', e),
  };
}
