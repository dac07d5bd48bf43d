import type { Queryable } from '../../store/db.js';

/** How many tasks the database holds, in every project. */
export async function countTasks(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks');
  return Number(rows[0]?.n ?? 0);
}
