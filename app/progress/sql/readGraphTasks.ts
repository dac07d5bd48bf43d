import type { Queryable } from '../../store/db.js';

export interface GraphTaskRow {
  id: number;
  key: string;
  title: string;
  epic_id: number | null;
  epic: string | null;
  status: string;
  hours: number;
  ready: boolean;
  pr_number: number | null;
}

/** Tasks of one project (or all) in plan order, at most `limit`. */
export async function readGraphTasks(db: Queryable, projectId: number | null, limit: number): Promise<GraphTaskRow[]> {
  const { rows } = await db.query<GraphTaskRow>(
    `SELECT t.id, t.key, t.title, t.epic_id, e.key AS epic, t.status, t.estimated_hours::float8 AS hours,
            t.ready, t.pr_number
     FROM tasks t LEFT JOIN epics e ON e.id = t.epic_id
     WHERE ($1::bigint IS NULL OR t.project_id = $1)
     ORDER BY t.project_id, string_to_array(regexp_replace(t.key, '[^0-9.]', '', 'g'), '.')::int[] NULLS LAST, t.key, t.id
     LIMIT $2`,
    [projectId, limit],
  );
  return rows;
}
