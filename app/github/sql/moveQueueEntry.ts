import type { Queryable } from '../../store/db.js';
import type { EntryState } from './mergeQueueRow.js';

/** Moves an entry from one of `from` to `to` with optional column changes; false when it was not in `from`. */
export async function moveQueueEntry(
  db: Queryable,
  id: number,
  from: readonly EntryState[],
  to: EntryState,
  set: { waitingFor?: string | null; headSha?: string; reason?: string; mergeSha?: string | null; branchUpdated?: boolean | null },
): Promise<boolean> {
  const finished = to === 'merged' || to === 'failed' || to === 'removed';
  const { rowCount } = await db.query(
    `UPDATE merge_queue SET state = $3,
       waiting_for = CASE WHEN $4::boolean THEN $5 ELSE waiting_for END,
       head_sha = COALESCE($6, head_sha),
       reason = COALESCE($7, reason),
       merge_sha = COALESCE($8, merge_sha),
       branch_updated_at = CASE WHEN $9::boolean IS NULL THEN branch_updated_at WHEN $9 THEN now() ELSE NULL END,
       position = CASE WHEN $10::boolean THEN NULL ELSE position END,
       finished_at = CASE WHEN $10::boolean THEN now() ELSE finished_at END,
       updated_at = now()
     WHERE id = $1 AND state = ANY($2::text[])`,
    [
      id,
      [...from],
      to,
      set.waitingFor !== undefined || finished,
      finished ? null : (set.waitingFor ?? null),
      set.headSha ?? null,
      set.reason?.slice(0, 1000) ?? null,
      set.mergeSha ?? null,
      set.branchUpdated ?? null,
      finished,
    ],
  );
  return rowCount > 0;
}
