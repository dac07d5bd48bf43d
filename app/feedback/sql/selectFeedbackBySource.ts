import type { Queryable } from '../../store/db.js';
import type { FeedbackItem } from '../types.js';
import { FEEDBACK_COLUMNS, mapFeedback, type FeedbackRow } from './feedbackRow.js';

/** The item a source event stored for a task (a replayed delivery finds its own). */
export async function selectFeedbackBySource(db: Queryable, taskId: number, source: string): Promise<FeedbackItem | null> {
  const { rows } = await db.query<FeedbackRow>(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE task_id = $1 AND source = $2`, [taskId, source.slice(0, 200)]);
  return rows[0] ? mapFeedback(rows[0]) : null;
}
