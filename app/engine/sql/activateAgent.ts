import type { Queryable } from '../../store/db.js';
import type { Agent } from '../types.js';
import { NotFoundError } from '../../core/errors.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './agentRow.js';

/** The admin's undo of a deactivation: the agent may claim again. Its token and settings are kept. */
export async function activateAgent(db: Queryable, id: number): Promise<Agent> {
  const { rows } = await db.query<AgentRow>(`UPDATE agents SET active = true, updated_at = now() WHERE id = $1 RETURNING ${AGENT_COLUMNS}`, [id]);
  if (!rows[0]) throw new NotFoundError(`no agent with id ${id}`);
  return mapAgent(rows[0]);
}
