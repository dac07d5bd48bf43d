import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow } from './claimTask.js';

const SQL = `SELECT * FROM assignments WHERE task_id = $1 AND epoch = $2`;

/** The assignment a task's lease epoch was issued with; null when that epoch never was. */
export async function assignmentAtEpoch(q: Queryable, taskId: number, epoch: number): Promise<Assignment | null> {
  const { rows } = await q.query<AssignmentRow>(SQL, [taskId, epoch]);
  return rows[0] ? mapAssignment(rows[0]) : null;
}
