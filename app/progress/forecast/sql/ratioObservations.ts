import type { Queryable } from '../../../store/db.js';

/**
 * Actual active hours ÷ estimated hours of finished attempts (completed assignments), newest
 * first: the forecast's duration distribution. An attempt shorter than a minute is a
 * bookkeeping artefact (reported done at once), not work, and is left out.
 */
export async function readRatioObservations(db: Queryable, projectId: number | null, limit = 2000): Promise<number[]> {
  const { rows } = await db.query<{ ratio: number }>(
    `SELECT (EXTRACT(EPOCH FROM (s.ended_at - s.created_at)) / 3600.0 / t.estimated_hours)::float8 AS ratio
     FROM assignments s JOIN tasks t ON t.id = s.task_id
     WHERE s.status = 'completed' AND s.ended_at IS NOT NULL AND s.ended_at - s.created_at >= interval '1 minute'
       AND t.estimated_hours > 0 AND ($1::bigint IS NULL OR t.project_id = $1)
     ORDER BY s.ended_at DESC, s.id DESC
     LIMIT $2`,
    [projectId, limit],
  );
  return rows.map((r) => Number(r.ratio));
}
