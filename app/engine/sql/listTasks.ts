import type { Queryable } from '../../store/db.js';
import type { TaskStatus } from '../../core/taskStatus.js';
import type { Task } from '../types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from './taskRow.js';

// Keys in plan order ("1.2" before "1.10"): by their runs of digits as numbers.
const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM}
WHERE ($1::bigint IS NULL OR t.project_id = $1) AND ($2::text IS NULL OR t.status = $2) AND ($3::text IS NULL OR e.key = $3)
ORDER BY t.project_id, ARRAY(SELECT m[1]::int FROM regexp_matches(t.key, '([0-9]{1,9})', 'g') AS m), t.key, t.id
LIMIT $4 OFFSET $5`;

export interface TaskListFilter {
  projectId?: number;
  status?: TaskStatus;
  epicKey?: string;
  limit?: number;
  offset?: number;
}

export async function listTasks(q: Queryable, f: TaskListFilter): Promise<Task[]> {
  const { rows } = await q.query<TaskRow>(SQL, [f.projectId ?? null, f.status ?? null, f.epicKey ?? null, f.limit ?? 10_000, f.offset ?? 0]);
  return rows.map(mapTask);
}
