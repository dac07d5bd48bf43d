import type { Queryable } from '../../store/db.js';
import type { PrState, RoundMode, TaskRound } from '../types.js';

/** The feedback columns of a task; null when there is no such task. */
export async function selectTaskRound(db: Queryable, taskId: number): Promise<TaskRound | null> {
  const { rows } = await db.query<{ round: number; round_mode: string | null; pr_state: string | null; needs_human_at: Date | null }>(
    `SELECT round, round_mode, pr_state, needs_human_at FROM tasks WHERE id = $1`,
    [taskId],
  );
  const r = rows[0];
  return r ? { round: r.round, mode: r.round_mode as RoundMode | null, prState: r.pr_state as PrState | null, needsHumanAt: r.needs_human_at } : null;
}
