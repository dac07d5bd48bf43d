import type { Queryable } from '../../store/db.js';
import type { ClaimFilter } from '../claimFilter.js';

const SQL = `
SELECT t.id FROM tasks t
WHERE t.ready
  AND ($1::text IS NULL OR t.required_pool IS NULL OR t.required_pool = $1)
  AND ($2::text[] IS NULL OR t.required_capabilities <@ $2::text[])
  AND ($3::bigint IS NULL OR t.project_id = $3)
ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
LIMIT $4`;

/** Ready task ids in hand-out order, for whoever the (partial) filter names. */
export async function orderedReady(db: Queryable, f: Partial<ClaimFilter>, limit: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(SQL, [f.pool ?? null, f.capabilities ?? null, f.projectId ?? null, limit]);
  return rows.map((r) => r.id);
}
