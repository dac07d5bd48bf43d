import type { Queryable } from '../../store/db.js';

export interface AgentTokenRow {
  name: string;
  pool: string | null;
  labels: string[] | null;
  capacity: number | null;
  projectScope: string | null;
  tokenHash: string;
}

/**
 * Creates the agent or gives it a new token hash; pool, labels and capacity are kept when not
 * given, the project scope is set anew each time. Returns the agent's id.
 */
export async function upsertAgentToken(db: Queryable, a: AgentTokenRow): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO agents (name, pool, labels, capacity, project_scope, token_hash)
     VALUES ($1, COALESCE($2, 'default'), COALESCE($3::text[], '{}'), COALESCE($4, 1), $5, $6)
     ON CONFLICT (name) DO UPDATE SET token_hash = $6, pool = COALESCE($2, agents.pool), labels = COALESCE($3::text[], agents.labels),
       capacity = COALESCE($4, agents.capacity), project_scope = $5, updated_at = now()
     RETURNING id`,
    [a.name, a.pool, a.labels, a.capacity, a.projectScope, a.tokenHash],
  );
  return Number(rows[0]!.id);
}
