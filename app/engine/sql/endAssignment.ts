import type { Queryable } from '../../store/db.js';
import type { AssignmentStatus } from '../types.js';

const SQL = `UPDATE assignments SET status = $2, end_reason = $3, ended_at = now(), updated_at = now()
WHERE id = $1 AND status = 'active' RETURNING task_id`;

/** Ends one live assignment; returns its task, or null when it was not live. */
export async function endAssignment(q: Queryable, id: number, status: Exclude<AssignmentStatus, 'active'>, reason: string): Promise<number | null> {
  const { rows } = await q.query<{ task_id: number }>(SQL, [id, status, reason]);
  return rows[0] ? Number(rows[0].task_id) : null;
}
