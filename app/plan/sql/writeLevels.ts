import type { Queryable } from '../../store/db.js';

// updated_at is left alone: a level is derived data, not an edit of the task.
const SQL = `UPDATE tasks t SET critical_path_hours = x.hours
FROM unnest($1::bigint[], $2::numeric[]) AS x(id, hours)
WHERE t.id = x.id AND t.critical_path_hours IS DISTINCT FROM x.hours
RETURNING t.id`;

/** Writes the levels that differ; returns the ids whose level changed. */
export async function writeLevels(tx: Queryable, ids: number[], hours: number[]): Promise<number[]> {
  const { rows } = await tx.query<{ id: number | string }>(SQL, [ids, hours]);
  return rows.map((r) => Number(r.id));
}
