import type { Queryable } from '../../store/db.js';
import type { Task } from '../../engine/types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from '../../engine/sql/taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.project_id = $1 AND t.key = $2 LIMIT 1`;

export async function taskByKey(q: Queryable, projectId: number, key: string): Promise<Task | null> {
  const { rows } = await q.query<TaskRow>(SQL, [projectId, key]);
  return rows[0] ? mapTask(rows[0]) : null;
}
