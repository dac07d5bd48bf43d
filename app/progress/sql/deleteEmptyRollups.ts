import type { Queryable } from '../../store/db.js';

/** Rollup rows that folded down to nothing carry no information: dropped to keep reads small. */
export async function deleteEmptyRollups(tx: Queryable): Promise<void> {
  await tx.query('DELETE FROM progress_rollup WHERE tasks = 0 AND hours = 0');
}
