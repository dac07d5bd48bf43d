import type { Queryable } from '../../store/db.js';
import type { PrState } from '../types.js';

/** Records what the webhooks last said of the task's PR (null: it has none open). */
export async function setPrState(db: Queryable, taskId: number, state: PrState | null): Promise<void> {
  await db.query(`UPDATE tasks SET pr_state = $2 WHERE id = $1 AND pr_state IS DISTINCT FROM $2`, [taskId, state]);
}
