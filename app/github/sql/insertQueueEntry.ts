import type { Queryable } from '../../store/db.js';
import { COLUMNS, map, type MergeQueueEntry, type QueueMode, type Row, type Snapshot } from './mergeQueueRow.js';

/** Inserts a live entry (the unique index refuses a second live entry per PR: error 23505). */
export async function insertQueueEntry(
  db: Queryable,
  e: { projectId: number; baseBranch: string; taskId: number; prNumber: number; mode: QueueMode; enqueuedBy: string; snapshot: Snapshot },
): Promise<MergeQueueEntry> {
  const { rows } = await db.query<Row>(
    `INSERT INTO merge_queue (project_id, base_branch, task_id, pr_number, pr_node_id, head_sha, mode, enqueued_by,
       approvals, changes_requested, checks, expected_checks, check_names)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text[], $13::text[])
     RETURNING ${COLUMNS}`,
    [
      e.projectId,
      e.baseBranch,
      e.taskId,
      e.prNumber,
      e.snapshot.prNodeId,
      e.snapshot.headSha,
      e.mode,
      e.enqueuedBy.slice(0, 100),
      e.snapshot.approvals,
      e.snapshot.changesRequested,
      e.snapshot.checks,
      e.snapshot.expectedChecks ?? [],
      e.snapshot.checkNames ?? [],
    ],
  );
  return map(rows[0]!);
}
