import type { Queryable } from '../../store/db.js';

/** The task's PR was closed unmerged: its next dispatch starts a new branch, not a round on the old one. */
export async function clearRoundMode(db: Queryable, taskId: number): Promise<void> {
  await db.query(`UPDATE tasks SET round_mode = NULL, pr_state = NULL WHERE id = $1 AND (round_mode IS NOT NULL OR pr_state IS NOT NULL)`, [taskId]);
}
