import type { Queryable } from '../../../store/db.js';

const SQL = `DELETE FROM github_effects WHERE started_at < $1`;

/** Forgets effects started before `before`; returns how many. */
export async function pruneEffects(q: Queryable, before: Date): Promise<number> {
  const { rowCount } = await q.query(SQL, [before]);
  return rowCount;
}
