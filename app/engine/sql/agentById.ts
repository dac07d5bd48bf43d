import type { Queryable } from '../../store/db.js';
import type { Agent } from '../types.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './agentRow.js';

const SQL = `SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1`;

export async function agentById(q: Queryable, id: number): Promise<Agent | null> {
  const { rows } = await q.query<AgentRow>(SQL, [id]);
  return rows[0] ? mapAgent(rows[0]) : null;
}
