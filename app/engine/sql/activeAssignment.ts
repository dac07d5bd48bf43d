import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow } from './claimTask.js';

const SQL = `SELECT * FROM assignments WHERE task_id = $1 AND status = 'active'`;
// Lock order everywhere: assignment, then task.
const LOCK_SQL = `${SQL} FOR UPDATE`;

/** The task's live assignment, if any; `lock` takes its row lock first (inside a transaction). */
export async function activeAssignment(q: Queryable, taskId: number, lock = false): Promise<Assignment | null> {
  const { rows } = await q.query<AssignmentRow>(lock ? LOCK_SQL : SQL, [taskId]);
  return rows[0] ? mapAssignment(rows[0]) : null;
}
