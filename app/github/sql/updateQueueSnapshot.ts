import type { Queryable } from '../../store/db.js';
import type { Snapshot } from './mergeQueueRow.js';

/** Writes what the PR looked like at the last look. */
export async function updateQueueSnapshot(db: Queryable, id: number, s: Snapshot): Promise<void> {
  await db.query(
    `UPDATE merge_queue SET head_sha = $2, pr_node_id = COALESCE($3, pr_node_id), approvals = $4, changes_requested = $5, checks = $6,
       expected_checks = CASE WHEN cardinality($7::text[]) > 0 THEN $7::text[] ELSE expected_checks END,
       check_names = $8::text[], updated_at = now()
     WHERE id = $1`,
    [id, s.headSha, s.prNodeId || null, s.approvals, s.changesRequested, s.checks, s.expectedChecks ?? [], s.checkNames ?? []],
  );
}
