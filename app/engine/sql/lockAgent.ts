import type { Queryable } from '../../store/db.js';
import type { Agent } from '../types.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './agentRow.js';

// Locking the agent row serialises claims of one agent, so its capacity is never overrun.
const SQL = `SELECT ${AGENT_COLUMNS}, (SELECT count(*) FROM assignments s WHERE s.agent_id = agents.id AND s.status = 'active')::int AS held
FROM agents WHERE id = $1 FOR UPDATE`;

/** The agent's row, locked, with how many active assignments it holds; null when no such agent. */
export async function lockAgent(tx: Queryable, id: number): Promise<(Agent & { held: number }) | null> {
  const { rows } = await tx.query<AgentRow & { held: number }>(SQL, [id]);
  return rows[0] ? { ...mapAgent(rows[0]), held: Number(rows[0].held) } : null;
}
