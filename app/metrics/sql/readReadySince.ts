import type { Queryable } from '../../store/db.js';

/** When each ready task became ready, newest first (at most 50,000). */
export async function readReadySince(db: Queryable): Promise<{ id: number; readySince: Date }[]> {
  const { rows } = await db.query<{ id: number; ready_since: Date }>(
    `SELECT id, ready_since FROM tasks WHERE ready
     ORDER BY ready_since DESC LIMIT 50000`,
  );
  return rows.map((r) => ({ id: Number(r.id), readySince: new Date(r.ready_since) }));
}
