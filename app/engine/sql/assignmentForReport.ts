import type { Queryable } from '../../store/db.js';
import type { TaskStatus } from '../../core/taskStatus.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow } from './claimTask.js';

// Lock order everywhere: assignment, then task.
const LOCK_ASSIGNMENT_SQL = `SELECT id FROM assignments WHERE id = $1 FOR UPDATE`;
const SQL = `SELECT a.*, t.status AS task_status, t.key AS task_key FROM assignments a JOIN tasks t ON t.id = a.task_id
WHERE a.id = $1 FOR UPDATE OF t`;

/** An assignment and its task's status and key, both locked (assignment first) for a progress report. */
export async function assignmentForReport(tx: Queryable, id: number): Promise<{ assignment: Assignment; taskStatus: TaskStatus; taskKey: string } | null> {
  await tx.query(LOCK_ASSIGNMENT_SQL, [id]);
  const { rows } = await tx.query<AssignmentRow & { task_status: TaskStatus; task_key: string }>(SQL, [id]);
  const r = rows[0];
  return r ? { assignment: mapAssignment(r), taskStatus: r.task_status, taskKey: r.task_key } : null;
}
