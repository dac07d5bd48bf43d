import type { Queryable } from '../../store/db.js';
import { leaseTtl } from './leases.js';

// Percent and notes as reported; a completed assignment reads 100 unless a figure was sent. The
// lease runs again from now (the project's length, else the server default).
const SQL = `UPDATE assignments SET percent_complete = COALESCE($2, CASE WHEN $4 = 'completed' THEN 100 ELSE percent_complete END),
  notes = COALESCE($3, notes), status = COALESCE($4, status), ended_at = CASE WHEN $4::text IS NULL THEN NULL ELSE now() END,
  end_reason = COALESCE($5, end_reason), lease_expires_at = now() + make_interval(secs => ${leaseTtl('assignments.task_id', '$6')}),
  updated_at = now()
WHERE id = $1`;

export interface ProgressWrite {
  percentComplete: number | null;
  notes: string | null;
  /** Set when the report ends the assignment. */
  ended: 'completed' | 'failed' | null;
  endReason: string | null;
}

/** Writes an agent's progress report on its (locked) assignment. */
export async function recordProgress(tx: Queryable, assignmentId: number, p: ProgressWrite, defaultTtlSeconds: number): Promise<void> {
  await tx.query(SQL, [assignmentId, p.percentComplete, p.notes, p.ended, p.endReason, defaultTtlSeconds]);
}
