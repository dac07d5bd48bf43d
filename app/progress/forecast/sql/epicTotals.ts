import type { Queryable } from '../../../store/db.js';
import type { EpicTotalsRow } from '../fromRows.js';

/** Per epic: estimated hours and tasks, all and done, cancelled left out (the epic_progress rule). */
export async function readEpicTotals(db: Queryable, projectId: number | null): Promise<EpicTotalsRow[]> {
  const { rows } = await db.query<{ id: number; hours_total: number; hours_done: number; tasks_total: number; tasks_done: number }>(
    `SELECT e.id,
            COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status <> 'cancelled'), 0)::float8 AS hours_total,
            COALESCE(sum(t.estimated_hours) FILTER (WHERE t.status = 'done'), 0)::float8 AS hours_done,
            count(t.id) FILTER (WHERE t.status <> 'cancelled')::int AS tasks_total,
            count(t.id) FILTER (WHERE t.status = 'done')::int AS tasks_done
     FROM epics e LEFT JOIN tasks t ON t.epic_id = e.id
     WHERE ($1::bigint IS NULL OR e.project_id = $1)
     GROUP BY e.id`,
    [projectId],
  );
  return rows.map((r) => ({ id: Number(r.id), hoursTotal: Number(r.hours_total), hoursDone: Number(r.hours_done), tasksTotal: Number(r.tasks_total), tasksDone: Number(r.tasks_done) }));
}
