import type { Queryable } from '../../../store/db.js';

/**
 * Tasks whose first attempt has an outcome, and how many of those were redone: the first attempt
 * failed or expired, or a later attempt followed a completed one (the work was sent back).
 */
export async function readFirstPassOutcomes(db: Queryable, projectId: number | null): Promise<{ tasks: number; redone: number }> {
  const { rows } = await db.query<{ tasks: number; redone: number }>(
    `SELECT count(*)::int AS tasks, count(*) FILTER (WHERE first_status <> 'completed' OR attempts > 1)::int AS redone
     FROM (SELECT s.task_id,
                  (array_agg(s.status ORDER BY s.epoch))[1] AS first_status,
                  count(*) AS attempts
           FROM assignments s JOIN tasks t ON t.id = s.task_id
           WHERE s.status IN ('completed', 'failed', 'expired') AND ($1::bigint IS NULL OR t.project_id = $1)
           GROUP BY s.task_id) x`,
    [projectId],
  );
  return { tasks: Number(rows[0]?.tasks ?? 0), redone: Number(rows[0]?.redone ?? 0) };
}
