import type { Queryable } from '../../store/db.js';
import type { ClaimFilter } from '../claimFilter.js';

// The check behind an empty answer from the Redis index.
const SQL = `
SELECT EXISTS (
  SELECT 1 FROM tasks t
  WHERE t.ready
    AND (t.required_pool IS NULL OR t.required_pool = $1)
    AND t.required_capabilities <@ $2::text[]
    AND ($3::bigint IS NULL OR t.project_id = $3)
) AS found`;

/** Whether any ready task fits this claimer. */
export async function hasReady(db: Queryable, f: ClaimFilter): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(SQL, [f.pool, f.capabilities, f.projectId ?? null]);
  return rows[0]?.found === true;
}
