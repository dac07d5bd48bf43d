import type { Queryable } from '../../../store/db.js';

/** Hours from a done task's last finished attempt (work handed in) to the task being done (merged), newest first. */
export async function readReviewLatencies(db: Queryable, projectId: number | null, limit = 2000): Promise<number[]> {
  const { rows } = await db.query<{ hours: number }>(
    `SELECT GREATEST(0, EXTRACT(EPOCH FROM (t.completed_at - s.ended_at)) / 3600.0)::float8 AS hours
     FROM tasks t
     JOIN LATERAL (SELECT ended_at FROM assignments a WHERE a.task_id = t.id AND a.status = 'completed' AND a.ended_at IS NOT NULL
                   ORDER BY a.ended_at DESC LIMIT 1) s ON true
     WHERE t.status = 'done' AND t.completed_at IS NOT NULL AND ($1::bigint IS NULL OR t.project_id = $1)
     ORDER BY t.completed_at DESC, t.id DESC
     LIMIT $2`,
    [projectId, limit],
  );
  return rows.map((r) => Number(r.hours));
}
