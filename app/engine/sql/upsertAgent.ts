import type { Queryable } from '../../store/db.js';
import type { Agent } from '../types.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './agentRow.js';

/**
 * The one agent upsert: a heartbeat, the agent standing for a runner pool, and a token mint all
 * come here. Only what the caller states is changed (null keeps the row's value), so a job
 * claiming by pool name cannot reset the capacity and capabilities configured for that pool, and
 * it never reactivates a deactivated agent. A token, when given, replaces the old one together
 * with its project scope.
 */
const SQL = `
INSERT INTO agents (name, pool, labels, capacity, kind, last_heartbeat_at, active, token_hash, project_scope)
VALUES ($1, COALESCE($2, 'default'), COALESCE($3::text[], '{}'), COALESCE($4, 1), COALESCE($5, 'local'),
        CASE WHEN $6 THEN now() END, true, $7, $8)
ON CONFLICT (name) DO UPDATE SET pool = COALESCE($2, agents.pool), labels = COALESCE($3::text[], agents.labels),
  capacity = COALESCE($4, agents.capacity), kind = COALESCE($5, agents.kind),
  last_heartbeat_at = CASE WHEN $6 THEN now() ELSE agents.last_heartbeat_at END,
  token_hash = COALESCE($7, agents.token_hash),
  project_scope = CASE WHEN $7::text IS NULL THEN agents.project_scope ELSE $8 END,
  updated_at = now()
RETURNING ${AGENT_COLUMNS}`;

export interface AgentUpsert {
  name: string;
  pool?: string | null | undefined;
  labels?: string[] | null | undefined;
  capacity?: number | null | undefined;
  kind?: Agent['kind'] | null | undefined;
  /** A heartbeat: last_heartbeat_at becomes now. */
  heartbeat?: boolean | undefined;
  /** A freshly minted token (its hash) and the one project it is for (null = every project). */
  token?: { hash: string; projectScope: string | null } | undefined;
}

export async function upsertAgent(q: Queryable, a: AgentUpsert): Promise<Agent> {
  const { rows } = await q.query<AgentRow>(SQL, [
    a.name,
    a.pool ?? null,
    a.labels ?? null,
    a.capacity ?? null,
    a.kind ?? null,
    a.heartbeat === true,
    a.token?.hash ?? null,
    a.token?.projectScope ?? null,
  ]);
  return mapAgent(rows[0]!);
}
