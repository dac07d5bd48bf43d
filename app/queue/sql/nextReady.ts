import type { Queryable } from '../../store/db.js';
import type { ClaimFilter } from '../claimFilter.js';

// The claim path's one hot query: walk tasks_ready_order_idx, skip rows another claimer holds.
const SQL = `
SELECT t.id FROM tasks t
WHERE t.ready
  AND (t.required_pool IS NULL OR t.required_pool = $1)
  AND t.required_capabilities <@ $2::text[]
  AND ($3::bigint IS NULL OR t.project_id = $3)
ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
LIMIT 1
FOR UPDATE SKIP LOCKED`;

/** The best ready task this claimer may take, locked for the claim transaction; null when none. */
export async function nextReady(tx: Queryable, f: ClaimFilter): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(SQL, [f.pool, f.capabilities, f.projectId ?? null]);
  return rows[0]?.id ?? null;
}
