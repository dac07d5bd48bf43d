import type { Queryable } from '../../../store/db.js';
import type { WorkRow } from '../fromRows.js';

/** Tasks not done and not cancelled, with the percent their live attempt reported. Held tasks count: holds are lifted. */
export async function readRemainingTasks(db: Queryable, projectId: number | null): Promise<WorkRow[]> {
  const { rows } = await db.query<{ id: number; key: string; epic_id: number; hours: number; status: string; pct: number | null; priority: number; project_id: number }>(
    `SELECT t.id, t.key, COALESCE(t.epic_id, 0) AS epic_id, t.estimated_hours::float8 AS hours, t.status, t.priority, t.project_id,
            a.percent_complete AS pct
     FROM tasks t LEFT JOIN assignments a ON a.task_id = t.id AND a.status = 'active'
     WHERE ($1::bigint IS NULL OR t.project_id = $1) AND t.status NOT IN ('done', 'cancelled')`,
    [projectId],
  );
  // Across projects two tasks can share a key: the project id keeps them apart.
  return rows.map((r) => ({
    id: Number(r.id),
    key: projectId === null ? `${r.project_id}:${r.key}` : r.key,
    epicId: Number(r.epic_id),
    hours: Number(r.hours),
    status: r.status,
    percent: Number(r.pct ?? 0),
    priority: Number(r.priority),
  }));
}
