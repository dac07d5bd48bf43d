import type { Queryable } from '../../store/db.js';

const SQL = `SELECT id, footprint FROM tasks WHERE id = ANY($1::bigint[])`;

/** The footprints (migration 0032) of the given tasks, by id; a task without one maps to []. */
export async function selectTaskFootprints(q: Queryable, taskIds: readonly number[]): Promise<Map<number, string[]>> {
  if (!taskIds.length) return new Map();
  const { rows } = await q.query<{ id: number; footprint: string[] | null }>(SQL, [taskIds]);
  return new Map(rows.map((r) => [Number(r.id), r.footprint ?? []]));
}
