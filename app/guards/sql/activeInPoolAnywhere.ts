import type { Queryable } from '../../store/db.js';

const SQL = `SELECT count(*)::int AS n FROM assignments WHERE status = 'active' AND pool = $1`;

/** How many runs the pool has going across every project (a claim that names no project). */
export async function activeInPoolAnywhere(q: Queryable, pool: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(SQL, [pool]);
  return rows[0]?.n ?? 0;
}
