import type { Queryable } from '../../store/db.js';
import type { Budgets } from '../../core/budgets.js';
import type { GuardSettings } from './guardSettings.js';

const BUDGETS_SQL = `UPDATE projects SET budgets = $2::jsonb, updated_at = now() WHERE id = $1`;
const FLEET_SQL = `UPDATE projects SET budgets = $2::jsonb, pause_mode = $3, backoff = $4::jsonb, circuit_breaker = $5::jsonb, updated_at = now()
WHERE id = $1 AND (budgets, pause_mode, backoff, circuit_breaker) IS DISTINCT FROM ($2::jsonb, $3, $4::jsonb, $5::jsonb)`;
const PAUSED_SQL = `UPDATE projects SET paused = $2, updated_at = now() WHERE id = $1 AND paused <> $2 RETURNING id`;

/** The project's budgets (PUT /api/projects/:project/budgets, `fleet budgets set`). */
export async function setProjectBudgets(q: Queryable, projectId: number, budgets: Budgets): Promise<void> {
  await q.query(BUDGETS_SQL, [projectId, JSON.stringify(budgets)]);
}

/** Every guard setting of a repository's .github/fleet.yml, written when the app reads it. */
export async function setFleetGuards(q: Queryable, projectId: number, s: Pick<GuardSettings, 'budgets' | 'pauseMode' | 'backoff' | 'circuitBreaker'>): Promise<void> {
  await q.query(FLEET_SQL, [projectId, JSON.stringify(s.budgets), s.pauseMode, JSON.stringify(s.backoff), JSON.stringify(s.circuitBreaker)]);
}

/** Pauses or resumes; true when this call changed it. */
export async function setProjectPaused(q: Queryable, projectId: number, paused: boolean): Promise<boolean> {
  const { rows } = await q.query(PAUSED_SQL, [projectId, paused]);
  return rows.length > 0;
}
