import type { Queryable } from '../../store/db.js';

export interface DependencyRow {
  task_id: number | null;
  epic_id: number | null;
  depends_on_task_id: number | null;
  depends_on_epic_id: number | null;
  threshold_percent: number;
}

/** The dependency rows of one project (or all), at most `limit`. */
export async function readDependencyRows(db: Queryable, projectId: number | null, limit: number): Promise<DependencyRow[]> {
  const { rows } = await db.query<DependencyRow>(
    `SELECT task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent::float8 AS threshold_percent
     FROM dependencies WHERE ($1::bigint IS NULL OR project_id = $1) LIMIT $2`,
    [projectId, limit],
  );
  return rows;
}
