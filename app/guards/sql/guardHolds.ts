import type { Queryable } from '../../store/db.js';

export type GuardHold = 'budget' | 'paused' | 'backoff' | 'stopped';

const HOLD_SQL = `UPDATE tasks SET held = true, hold_reason = $3, updated_at = now()
WHERE project_id = $1 AND id = ANY($2::bigint[]) AND NOT held AND status IN ('pending', 'assigned', 'in_progress') RETURNING id`;
const HOLD_PENDING_SQL = `UPDATE tasks SET held = true, hold_reason = $2, updated_at = now()
WHERE project_id = $1 AND NOT held AND status = 'pending' RETURNING id`;
const RELEASE_SQL = `UPDATE tasks SET held = false, hold_reason = NULL, ready_after = NULL, updated_at = now()
WHERE project_id = $1 AND hold_reason = $2 AND NOT (id = ANY($3::bigint[])) RETURNING id`;
const RELEASE_BACKOFF_SQL = `UPDATE tasks SET held = false, hold_reason = NULL, ready_after = NULL, updated_at = now()
WHERE hold_reason = 'backoff' AND ready_after <= $1 RETURNING id`;
const BACKOFF_SQL = `UPDATE tasks SET held = true, hold_reason = 'backoff', ready_after = $2, updated_at = now()
WHERE id = $1 AND status = 'pending' AND NOT held RETURNING id`;

/** Holds the given tasks (not yet held by anyone) with a guard's reason; the ids it held. */
export async function holdTasks(q: Queryable, projectId: number, ids: number[], reason: GuardHold): Promise<number[]> {
  if (!ids.length) return [];
  const { rows } = await q.query<{ id: number }>(HOLD_SQL, [projectId, ids, reason]);
  return rows.map((r) => Number(r.id));
}

/** Holds every pending task of the project nobody holds yet (a pause). */
export async function holdPending(q: Queryable, projectId: number, reason: GuardHold): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(HOLD_PENDING_SQL, [projectId, reason]);
  return rows.map((r) => Number(r.id));
}

/** Releases the holds this guard set, except on `keep`; a person's hold (no reason) stays. */
export async function releaseHolds(q: Queryable, projectId: number, reason: GuardHold, keep: number[] = []): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(RELEASE_SQL, [projectId, reason, keep]);
  return rows.map((r) => Number(r.id));
}

/** Backoff holds whose time has come (the engine's clock). */
export async function releaseDueBackoffs(q: Queryable, now: Date): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(RELEASE_BACKOFF_SQL, [now]);
  return rows.map((r) => Number(r.id));
}

/** A failed attempt's task waits until `until` before it is ready again. */
export async function holdForBackoff(q: Queryable, taskId: number, until: Date): Promise<boolean> {
  const { rows } = await q.query(BACKOFF_SQL, [taskId, until]);
  return rows.length > 0;
}
