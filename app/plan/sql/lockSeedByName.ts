import type { Queryable } from '../../store/db.js';

/** Two seeds of the same project (by name) take turns, for the length of the transaction. */
export async function lockSeedByName(tx: Queryable, fullName: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('fleet_seed:' || $1))`, [fullName]);
}
