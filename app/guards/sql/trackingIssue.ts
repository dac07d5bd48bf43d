import type { Queryable } from '../../store/db.js';

// The plan's order is the epics' line in the plan file; epics without one (a plan given as data)
// come after, in the order they were made.
const SQL = `SELECT issue_number FROM epics WHERE project_id = $1 AND issue_number IS NOT NULL
ORDER BY source_line NULLS LAST, id LIMIT 1`;

/**
 * The plan's tracking issue, where the guard rails tell what a pool's circuit did. The plan sync
 * keeps no summary issue of its own, so it is the issue of the plan's first epic (first in the
 * plan file, not first made: an epic added above the others later becomes the head of the plan).
 * Null when no epic has an issue (the plan is not synced to issues, or the project has no
 * repository): the notice is then shown on the dashboard and in `/fleet status` only.
 */
export async function trackingIssue(q: Queryable, projectId: number): Promise<number | null> {
  const { rows } = await q.query<{ issue_number: number }>(SQL, [projectId]);
  return rows[0] ? Number(rows[0].issue_number) : null;
}
