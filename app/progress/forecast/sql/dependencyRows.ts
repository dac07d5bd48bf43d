import type { Queryable } from '../../../store/db.js';
import type { DependencyRow } from '../fromRows.js';

export async function readDependencyRows(db: Queryable, projectId: number | null): Promise<DependencyRow[]> {
  const { rows } = await db.query<{ task_id: number | null; epic_id: number | null; depends_on_task_id: number | null; depends_on_epic_id: number | null; threshold_percent: number }>(
    `SELECT task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent::float8 AS threshold_percent
     FROM dependencies WHERE ($1::bigint IS NULL OR project_id = $1)`,
    [projectId],
  );
  const n = (v: number | null): number | null => (v === null ? null : Number(v));
  return rows.map((r) => ({
    taskId: n(r.task_id),
    epicId: n(r.epic_id),
    dependsOnTaskId: n(r.depends_on_task_id),
    dependsOnEpicId: n(r.depends_on_epic_id),
    thresholdPercent: Number(r.threshold_percent),
  }));
}
