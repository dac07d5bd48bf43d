import type { EngineContext } from './context.js';
import type { Agent } from './types.js';
import { getAgent, listAssignments } from './reads.js';
import { endAssignment } from './leases.js';
import { upsertAgent } from './sql/upsertAgent.js';
import { deactivateAgent as deactivateAgentRow } from './sql/deactivateAgent.js';
import { extendLeases } from './sql/leases.js';

export interface AgentInput {
  name: string;
  pool?: string | undefined;
  labels?: string[] | undefined;
  capacity?: number | undefined;
  kind?: 'vm' | 'aks' | 'local' | undefined;
  /** The assignments the agent is working on: only these leases are extended (at these epochs). */
  assignments?: { id: number; epoch: number }[] | undefined;
}

/** An agent heartbeat's answer: the agent, and the leases it named that were extended. */
export type AgentHeartbeat = Agent & { leases: { id: number; epoch: number; leaseExpiresAt: Date }[] };

/**
 * Registers or refreshes an agent and extends the leases it names (id and epoch) that it
 * still holds; never reactivates a deactivated one. A lease nobody names runs out: a claim whose answer was lost is not kept alive.
 */
export async function heartbeatAgent(ctx: EngineContext, input: AgentInput): Promise<AgentHeartbeat> {
  const agent = await ctx.db.transaction(async (tx) => {
    const a = await upsertAgent(tx, { ...input, heartbeat: true });
    const named = input.assignments ?? [];
    const leases = named.length ? await extendLeases(tx, named, ctx.leaseTtlSeconds, a.id) : [];
    return { ...a, leases };
  });
  ctx.events.publish('agent.heartbeat', { agent_id: agent.id, name: agent.name, at: agent.lastHeartbeatAt });
  return agent;
}

/** Deactivates an agent: it gets no more work and its tasks go back to the queue at once. */
export async function deactivateAgent(ctx: EngineContext, id: number): Promise<Agent> {
  const agent = await getAgent(ctx, id);
  await deactivateAgentRow(ctx.db, id);
  const held = await listAssignments(ctx, { status: 'active', agentId: id });
  for (const a of held) await endAssignment(ctx, a.id, 'released', `agent ${agent.name} deactivated`, { countAttempt: false });
  return { ...agent, active: false };
}

/**
 * The agent that stands for a runner pool when the app claims on its behalf. Only what the caller
 * states is changed: a job claiming by pool name must not reset the capacity and capabilities the
 * app configured for that pool.
 */
export function poolAgent(ctx: EngineContext, pool: { name: string; capabilities?: string[]; capacity?: number }): Promise<Agent> {
  return upsertAgent(ctx.db, { name: `pool/${pool.name}`, pool: pool.name, labels: pool.capabilities ?? null, capacity: pool.capacity ?? null });
}

/** Finds an agent by name: exactly, else case-insensitively when that is unambiguous. */
export function agentByName(agents: Agent[], name: string): Agent | undefined {
  const exact = agents.find((a) => a.name === name);
  if (exact) return exact;
  const folded = agents.filter((a) => a.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}
