import type { Queryable } from '../../store/db.js';

const SQL = `SELECT task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent::float8 AS threshold
FROM dependencies WHERE project_id = $1`;

export interface EdgeRow {
  task_id: number | string | null;
  epic_id: number | string | null;
  depends_on_task_id: number | string | null;
  depends_on_epic_id: number | string | null;
  threshold: number;
}

export async function projectEdges(q: Queryable, projectId: number): Promise<EdgeRow[]> {
  return (await q.query<EdgeRow>(SQL, [projectId])).rows;
}
