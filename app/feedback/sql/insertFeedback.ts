import type { Queryable } from '../../store/db.js';
import type { FeedbackItem, NewFeedback } from '../types.js';
import { FEEDBACK_COLUMNS, mapFeedback, type FeedbackRow } from './feedbackRow.js';

/**
 * Stores one item for the task's next round: the round it waits in when one was started and its
 * agent has not begun yet (pending or assigned with a round mode), else its current round + 1. Null when this source
 * event is stored already (a replayed delivery).
 */
export async function insertFeedback(db: Queryable, f: NewFeedback): Promise<FeedbackItem | null> {
  const { rows } = await db.query<FeedbackRow>(
    `INSERT INTO feedback (task_id, kind, source, author, url, text, files, round)
     SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, CASE WHEN t.status IN ('pending', 'assigned') AND t.round > 0 AND t.round_mode IS NOT NULL THEN t.round ELSE t.round + 1 END
     FROM tasks t WHERE t.id = $1
     ON CONFLICT (task_id, source) DO NOTHING
     RETURNING ${FEEDBACK_COLUMNS}`,
    [f.taskId, f.kind, f.source.slice(0, 200), f.author?.slice(0, 100) ?? null, f.url && /^https?:\/\//.test(f.url) ? f.url.slice(0, 2000) : null, f.text.slice(0, 65_536), JSON.stringify(f.files)],
  );
  return rows[0] ? mapFeedback(rows[0]) : null;
}
