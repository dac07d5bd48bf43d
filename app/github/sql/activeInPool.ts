import type { Queryable } from '../../store/db.js';

const SQL = `SELECT count(*)::int AS n FROM assignments a JOIN tasks t ON t.id = a.task_id
WHERE a.status = 'active' AND a.pool = $2 AND t.project_id = $1`;

/** Live assignments of a runner pool in a project. */
export async function activeInPool(q: Queryable, projectId: number, pool: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(SQL, [projectId, pool]);
  return Number(rows[0]?.n ?? 0);
}
