import type { Queryable } from '../../store/db.js';

// Idempotency keys of claims are kept a day: far beyond any client's retries.
const SQL = `DELETE FROM claim_requests WHERE created_at < now() - interval '1 day'`;

/** Forgets claim idempotency keys older than a day; returns how many. */
export async function pruneClaimRequests(q: Queryable): Promise<number> {
  const { rowCount } = await q.query(SQL);
  return rowCount;
}
