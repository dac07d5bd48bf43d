import type { Queryable } from '../../store/db.js';
import type { TaskStatus } from '../../core/taskStatus.js';

/**
 * The one statement that writes tasks.status (the claim aside, which commits pending → assigned
 * with its lease). The lease goes unless the task is still leased; the other columns follow the
 * caller's choice (see MoveTaskOptions.set in app/engine/status.ts).
 */
const SQL = `UPDATE tasks SET status = $2, lease_expires_at = CASE WHEN $2 IN ('assigned', 'in_progress') THEN lease_expires_at ELSE NULL END,
  completed_at = CASE $4 WHEN 'now' THEN now() WHEN 'clear' THEN NULL ELSE completed_at END,
  failure_reason = CASE $5 WHEN 'reason' THEN $3 WHEN 'clear' THEN NULL ELSE failure_reason END,
  attempts = CASE $6 WHEN 'reset' THEN 0 WHEN 'giveBack' THEN GREATEST(attempts - 1, 0) ELSE attempts END,
  ready_since = CASE WHEN $7 THEN NULL ELSE ready_since END
WHERE id = $1`;

export interface StatusColumns {
  completedAt: 'now' | 'clear' | 'keep';
  failureReason: 'reason' | 'clear' | 'keep';
  attempts: 'reset' | 'giveBack' | 'keep';
  clearReadySince: boolean;
}

export const KEEP_COLUMNS: StatusColumns = { completedAt: 'keep', failureReason: 'keep', attempts: 'keep', clearReadySince: false };

export async function writeTaskStatus(tx: Queryable, taskId: number, to: TaskStatus, reason: string, c: StatusColumns): Promise<void> {
  await tx.query(SQL, [taskId, to, reason, c.completedAt, c.failureReason, c.attempts, c.clearReadySince]);
}
