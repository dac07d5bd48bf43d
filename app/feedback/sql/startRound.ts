import type { Queryable } from '../../store/db.js';
import type { RoundMode } from '../types.js';

/**
 * Counts a new round for a task that went back to pending for it, if the task is still in round
 * `from` (two deliveries never start the same round twice). The claim that follows adds one to
 * `attempts`; taking one off here keeps rounds out of the failure limit, while the assignment the
 * claim makes stays in the attempt history. The new round number, or null.
 */
export async function startRound(db: Queryable, taskId: number, from: number, mode: RoundMode): Promise<number | null> {
  const { rows } = await db.query<{ round: number }>(
    `UPDATE tasks SET round = round + 1, round_mode = $3, attempts = GREATEST(attempts - 1, 0)
     WHERE id = $1 AND round = $2 RETURNING round`,
    [taskId, from, mode],
  );
  return rows[0]?.round ?? null;
}
