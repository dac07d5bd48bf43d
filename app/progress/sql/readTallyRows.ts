import type { Queryable } from '../../store/db.js';

export interface TallyRow {
  project_id: number;
  epic_id: number;
  status: string;
  tasks: number;
  hours: number;
  deltas: number;
}

/**
 * Task counts and hours per (project, epic, status): the folded rollup plus the deltas not yet
 * folded, in one statement (one snapshot). Costs O(epics x statuses + deltas), not O(tasks).
 */
export async function readTallyRows(db: Queryable, projectId: number | null): Promise<TallyRow[]> {
  const { rows } = await db.query<TallyRow>(
    `SELECT project_id, epic_id, status, sum(tasks)::float8 AS tasks, sum(hours)::float8 AS hours, sum(d)::int AS deltas
     FROM (SELECT project_id, epic_id, status, tasks, hours, 0 AS d FROM progress_rollup WHERE ($1::bigint IS NULL OR project_id = $1)
           UNION ALL
           SELECT project_id, epic_id, status, tasks, hours, 1 AS d FROM progress_rollup_delta WHERE ($1::bigint IS NULL OR project_id = $1)) x
     GROUP BY project_id, epic_id, status`,
    [projectId],
  );
  return rows.map((r) => ({ ...r, project_id: Number(r.project_id), epic_id: Number(r.epic_id), tasks: Number(r.tasks), hours: Number(r.hours), deltas: Number(r.deltas) }));
}
