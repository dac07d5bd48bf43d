import type { Queryable } from '../../store/db.js';

const SQL = `SELECT project_id, count(*)::int AS n FROM tasks WHERE ready GROUP BY project_id`;

/** How many ready tasks each project has. */
export async function readyCounts(db: Queryable): Promise<{ projectId: number; n: number }[]> {
  const { rows } = await db.query<{ project_id: number; n: number }>(SQL);
  return rows.map((r) => ({ projectId: Number(r.project_id), n: Number(r.n) }));
}
