import type { Queryable } from '../../store/db.js';
import type { Task } from '../../engine/types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from '../../engine/sql/taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.project_id = $1 AND t.issue_number = ANY($2::int[])`;

/** The project's tasks of these issue numbers, by issue number. */
export async function tasksByIssues(q: Queryable, projectId: number, issueNumbers: number[]): Promise<Map<number, Task>> {
  const out = new Map<number, Task>();
  if (!issueNumbers.length) return out;
  const { rows } = await q.query<TaskRow>(SQL, [projectId, issueNumbers]);
  for (const r of rows) out.set(r.issue_number!, mapTask(r));
  return out;
}
