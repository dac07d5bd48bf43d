import type { Queryable } from '../../store/db.js';

export interface RemainingTaskRow {
  id: number;
  epic_id: number;
  hours: number;
  status: string;
  held: boolean;
  level: number;
  priority: number;
  pct: number | null;
}

/** Tasks not yet done or cancelled, with their live assignment's percent complete (the simulation's input). */
export async function readRemainingTasks(db: Queryable, projectId: number | null): Promise<RemainingTaskRow[]> {
  const { rows } = await db.query<RemainingTaskRow>(
    `SELECT t.id, COALESCE(t.epic_id, 0) AS epic_id, t.estimated_hours::float8 AS hours, t.status, t.held,
            t.critical_path_hours::float8 AS level, t.priority, a.percent_complete AS pct
     FROM tasks t LEFT JOIN assignments a ON a.task_id = t.id AND a.status = 'active'
     WHERE ($1::bigint IS NULL OR t.project_id = $1) AND t.status NOT IN ('done', 'cancelled')`,
    [projectId],
  );
  return rows;
}
