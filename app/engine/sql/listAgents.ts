import type { Queryable } from '../../store/db.js';
import type { Agent } from '../types.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './agentRow.js';

const SQL = `SELECT ${AGENT_COLUMNS} FROM agents ORDER BY name`;

export async function listAgents(q: Queryable): Promise<Agent[]> {
  const { rows } = await q.query<AgentRow>(SQL);
  return rows.map(mapAgent);
}
