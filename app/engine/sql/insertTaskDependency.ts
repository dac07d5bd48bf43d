import type { Queryable } from '../../store/db.js';

const SQL = `INSERT INTO dependencies (project_id, task_id, depends_on_task_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`;

/** Adds "task depends on task"; false when the edge was there already. */
export async function insertTaskDependency(q: Queryable, projectId: number, taskId: number, dependsOnTaskId: number): Promise<boolean> {
  const { rowCount } = await q.query(SQL, [projectId, taskId, dependsOnTaskId]);
  return rowCount > 0;
}
