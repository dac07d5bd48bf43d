import type { Queryable } from '../../store/db.js';
import type { Task } from '../../engine/types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from '../../engine/sql/taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.project_id = $1 AND t.key = ANY($2::text[]) ORDER BY length(t.key) DESC LIMIT 1`;

/** Of the candidate keys, the longest that names a task of the project. */
export async function taskByLongestKey(q: Queryable, projectId: number, keys: string[]): Promise<Task | null> {
  if (!keys.length) return null;
  const { rows } = await q.query<TaskRow>(SQL, [projectId, keys]);
  return rows[0] ? mapTask(rows[0]) : null;
}
