import type { Queryable } from '../../store/db.js';
import type { AssignmentStatus } from '../types.js';

const SQL = `UPDATE assignments SET status = $2, end_reason = $3, ended_at = now(), updated_at = now() WHERE task_id = $1 AND status = 'active'`;

/** Ends whatever live assignment a task has. */
export async function endTaskAssignment(q: Queryable, taskId: number, status: Exclude<AssignmentStatus, 'active'>, reason: string): Promise<void> {
  await q.query(SQL, [taskId, status, reason]);
}
