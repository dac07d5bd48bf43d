import type { Queryable } from '../../store/db.js';

/** The health check's round trip: resolves when the database answers. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
