import type { Queryable } from '../../store/db.js';
import type { Task } from '../../engine/types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from '../../engine/sql/taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM}
WHERE t.project_id = $1 AND t.issue_number IS NOT NULL AND t.status NOT IN ('done', 'cancelled') ORDER BY t.id`;

/** Open (not done/cancelled) tasks with an issue, for reconciliation. */
export async function openTasksWithIssues(q: Queryable, projectId: number): Promise<Task[]> {
  const { rows } = await q.query<TaskRow>(SQL, [projectId]);
  return rows.map(mapTask);
}
