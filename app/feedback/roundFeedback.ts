import type { Queryable } from '../store/db.js';
import type { Task } from '../engine/types.js';
import type { FeedbackItem } from './types.js';
import { listFeedback } from './sql/listFeedback.js';

/** What a claim of the task carries: its current round's feedback, none on a first attempt. */
export async function roundFeedback(db: Queryable, task: Pick<Task, 'id' | 'round' | 'roundMode'>): Promise<FeedbackItem[]> {
  if (task.round < 1 || task.roundMode === null) return [];
  return listFeedback(db, task.id, task.round);
}
