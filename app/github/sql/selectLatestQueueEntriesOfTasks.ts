import type { Queryable } from '../../store/db.js';
import type { ChecksState } from '../../core/mergeOrder.js';

type Id = number | string;

const SQL = `SELECT DISTINCT ON (task_id) id, task_id, state, mode, position, base_branch, waiting_for, reason, enqueued_by,
    approvals, changes_requested, checks, check_names, created_at, updated_at
  FROM merge_queue WHERE task_id = ANY($1::bigint[]) ORDER BY task_id, created_at DESC, id DESC`;

/** The merge queue's latest row per task. */
export function selectLatestQueueEntriesOfTasks(db: Queryable, taskIds: number[]) {
  return db.query<{
    id: Id; task_id: Id; state: string; mode: string; position: number | null; base_branch: string; waiting_for: string | null; reason: string | null;
    enqueued_by: string; approvals: number; changes_requested: number; checks: ChecksState; check_names: string[] | null; created_at: Date; updated_at: Date;
  }>(SQL, [taskIds]);
}
