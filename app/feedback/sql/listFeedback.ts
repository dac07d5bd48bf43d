import type { Queryable } from '../../store/db.js';
import type { FeedbackItem } from '../types.js';
import { FEEDBACK_COLUMNS, mapFeedback, type FeedbackRow } from './feedbackRow.js';

/** A task's feedback, oldest first; `round` given: only that round's. */
export async function listFeedback(db: Queryable, taskId: number, round?: number): Promise<FeedbackItem[]> {
  const { rows } = await db.query<FeedbackRow>(
    `SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE task_id = $1 AND ($2::int IS NULL OR round = $2) ORDER BY created_at, id LIMIT 500`,
    [taskId, round ?? null],
  );
  return rows.map(mapFeedback);
}
