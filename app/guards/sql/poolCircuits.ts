import type { Queryable } from '../../store/db.js';

const GET_SQL = `SELECT state FROM pool_circuits WHERE project_id = $1 AND pool = $2`;
const LOCK_SQL = `SELECT state FROM pool_circuits WHERE project_id = $1 AND pool = $2 FOR UPDATE`;
const PUT_SQL = `INSERT INTO pool_circuits (project_id, pool, state, pending_notice) VALUES ($1, $2, $3::jsonb, $4)
ON CONFLICT (project_id, pool) DO UPDATE SET state = EXCLUDED.state, pending_notice = COALESCE(EXCLUDED.pending_notice, pool_circuits.pending_notice), updated_at = now()`;
const LIST_SQL = `SELECT project_id, pool, state, pending_notice FROM pool_circuits WHERE ($1::bigint IS NULL OR project_id = $1) ORDER BY project_id, pool`;
const ANY_FOR_POOL_SQL = `SELECT state FROM pool_circuits WHERE pool = $1`;
const NOTICES_SQL = `SELECT c.project_id, c.pool, c.pending_notice, p.owner, p.repo FROM pool_circuits c JOIN projects p ON p.id = c.project_id WHERE c.pending_notice IS NOT NULL LIMIT 50`;
const CLEAR_NOTICE_SQL = `UPDATE pool_circuits SET pending_notice = NULL WHERE project_id = $1 AND pool = $2 AND pending_notice = $3`;

export async function circuitState(q: Queryable, projectId: number, pool: string, forUpdate = false): Promise<unknown> {
  const { rows } = await q.query<{ state: unknown }>(forUpdate ? LOCK_SQL : GET_SQL, [projectId, pool]);
  return rows[0]?.state ?? null;
}

/** Every project's circuit for the pool (a claim that names no project). */
export async function circuitStatesForPool(q: Queryable, pool: string): Promise<unknown[]> {
  const { rows } = await q.query<{ state: unknown }>(ANY_FOR_POOL_SQL, [pool]);
  return rows.map((r) => r.state);
}

export async function putCircuitState(q: Queryable, projectId: number, pool: string, state: unknown, notice: string | null): Promise<void> {
  await q.query(PUT_SQL, [projectId, pool, JSON.stringify(state), notice]);
}

export async function listCircuits(q: Queryable, projectId: number | null): Promise<{ projectId: number; pool: string; state: unknown; pendingNotice: string | null }[]> {
  const { rows } = await q.query<{ project_id: number; pool: string; state: unknown; pending_notice: string | null }>(LIST_SQL, [projectId]);
  return rows.map((r) => ({ projectId: Number(r.project_id), pool: r.pool, state: r.state, pendingNotice: r.pending_notice }));
}

export async function pendingCircuitNotices(q: Queryable): Promise<{ projectId: number; pool: string; notice: string; owner: string; repo: string }[]> {
  const { rows } = await q.query<{ project_id: number; pool: string; pending_notice: string; owner: string; repo: string }>(NOTICES_SQL);
  return rows.map((r) => ({ projectId: Number(r.project_id), pool: r.pool, notice: r.pending_notice, owner: r.owner, repo: r.repo }));
}

export async function clearCircuitNotice(q: Queryable, projectId: number, pool: string, notice: string): Promise<void> {
  await q.query(CLEAR_NOTICE_SQL, [projectId, pool, notice]);
}
