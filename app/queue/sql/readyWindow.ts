import type { Queryable } from '../../store/db.js';
import type { ClaimFilter } from '../claimFilter.js';

export interface WindowRow {
  id: number;
  projectId: number;
  footprint: string[];
  pathHours: number;
  hours: number;
}

interface Row { id: number; project_id: number; footprint: string[] | null; critical_path_hours: number; estimated_hours: number }
const rowOf = (r: Row): WindowRow => ({
  id: Number(r.id),
  projectId: Number(r.project_id),
  footprint: r.footprint ?? [],
  pathHours: Number(r.critical_path_hours),
  hours: Number(r.estimated_hours),
});

// The top of the queue for one claimer, unlocked: the conflict-aware choice reads it, and only the
// chosen row is claimed (the claim statement re-checks `ready`, so a row taken meanwhile is refused).
// Locking the whole window would push concurrent claimers past it, out of queue order.
const WINDOW_SQL = `
SELECT t.id, t.project_id, t.footprint, t.critical_path_hours, t.estimated_hours FROM tasks t
WHERE t.ready
  AND (t.required_pool IS NULL OR t.required_pool = $1)
  AND t.required_capabilities <@ $2::text[]
  AND ($3::bigint IS NULL OR t.project_id = $3)
ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
LIMIT $4`;

const OF_SQL = `
SELECT t.id, t.project_id, t.footprint, t.critical_path_hours, t.estimated_hours FROM tasks t
WHERE t.ready AND t.id = ANY($1::bigint[])`;

/** The first `limit` ready tasks this claimer may take, in queue order, with what the choice needs. */
export async function readyWindow(db: Queryable, f: ClaimFilter, limit: number): Promise<WindowRow[]> {
  const { rows } = await db.query<Row>(WINDOW_SQL, [f.pool, f.capabilities, f.projectId ?? null, limit]);
  return rows.map(rowOf);
}

/** The given tasks that are still ready, in the order given (the Redis index's window). */
export async function windowOf(db: Queryable, ids: readonly number[]): Promise<WindowRow[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<Row>(OF_SQL, [ids]);
  const byId = new Map(rows.map((r) => [Number(r.id), rowOf(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
