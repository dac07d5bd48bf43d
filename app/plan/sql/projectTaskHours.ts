import type { Queryable } from '../../store/db.js';

const SQL = `SELECT id, key, epic_id, estimated_hours::float8 AS hours FROM tasks WHERE project_id = $1`;

export interface TaskHoursRow {
  id: number | string;
  key: string;
  epic_id: number | string | null;
  hours: number;
}

export async function projectTaskHours(q: Queryable, projectId: number): Promise<TaskHoursRow[]> {
  return (await q.query<TaskHoursRow>(SQL, [projectId])).rows;
}
