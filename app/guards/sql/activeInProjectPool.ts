import type { Queryable } from '../../store/db.js';

const SQL = `SELECT count(*)::int AS n FROM assignments a JOIN tasks t ON t.id = a.task_id
WHERE a.status = 'active' AND a.pool = $2 AND t.project_id = $1`;

/** How many runs the pool has going in the project (a half-open circuit lets one through). */
export async function activeInProjectPool(q: Queryable, projectId: number, pool: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(SQL, [projectId, pool]);
  return rows[0]?.n ?? 0;
}
