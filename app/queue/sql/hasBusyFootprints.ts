import type { Queryable } from '../../store/db.js';

// The claim path's cheap gate (partial index tasks_busy_footprint_idx, migration 0032): without work
// under way that names files, queue order alone decides and the claim takes its usual one-row path.
const SQL = `
SELECT EXISTS (
  SELECT 1 FROM tasks t
  WHERE t.status IN ('assigned', 'in_progress', 'in_review') AND t.footprint <> '{}'
    AND ($1::bigint IS NULL OR t.project_id = $1)
) AS busy`;

/** Whether any task of the project (or any project) is under way with a footprint. */
export async function hasBusyFootprints(db: Queryable, projectId: number | undefined): Promise<boolean> {
  const { rows } = await db.query<{ busy: boolean }>(SQL, [projectId ?? null]);
  return rows[0]?.busy === true;
}
