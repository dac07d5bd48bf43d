import type { Queryable } from '../../store/db.js';

// Walks from `from` along depends-on edges between tasks.
const SQL = `WITH RECURSIVE r(id) AS (
  SELECT $1::bigint
  UNION SELECT d.depends_on_task_id FROM dependencies d JOIN r ON d.task_id = r.id WHERE d.depends_on_task_id IS NOT NULL
) SELECT 1 FROM r WHERE id = $2 LIMIT 1`;

/** Whether task `from` depends, directly or not, on task `on` (or is it): a new edge on → from would close a cycle. */
export async function dependsOnTransitively(q: Queryable, from: number, on: number): Promise<boolean> {
  const { rows } = await q.query(SQL, [from, on]);
  return rows.length > 0;
}
