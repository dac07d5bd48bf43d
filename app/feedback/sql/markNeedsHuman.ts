import type { Queryable } from '../../store/db.js';

/** Records that maxRounds stopped the task's rounds; false when it was recorded already. */
export async function markNeedsHuman(db: Queryable, taskId: number): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE tasks SET needs_human_at = now() WHERE id = $1 AND needs_human_at IS NULL`, [taskId]);
  return (rowCount ?? 0) > 0;
}
