import type { Queryable } from '../../store/db.js';
import type { Task } from '../types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from './taskRow.js';

// Two rows at most: enough to tell "unique" from "in several projects".
const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.key = $1 AND ($2::bigint IS NULL OR t.project_id = $2) ORDER BY t.id LIMIT 2`;

/** Tasks with this key, in one project or (projectId null) any. */
export async function tasksByKey(q: Queryable, key: string, projectId: number | null): Promise<Task[]> {
  const { rows } = await q.query<TaskRow>(SQL, [key, projectId]);
  return rows.map(mapTask);
}
