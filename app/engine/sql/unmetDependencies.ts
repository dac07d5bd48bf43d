import type { Queryable } from '../../store/db.js';

// The one definition of "unmet" is the view (migration 0013), which readiness also counts.
const SQL = `SELECT label FROM task_unmet_dependencies WHERE task_id = $1 ORDER BY label`;

/** What a task still waits for: task keys, and "epic 2 at 50%" for epic thresholds. */
export async function unmetDependencies(q: Queryable, taskId: number): Promise<string[]> {
  const { rows } = await q.query<{ label: string }>(SQL, [taskId]);
  return rows.map((r) => r.label);
}
