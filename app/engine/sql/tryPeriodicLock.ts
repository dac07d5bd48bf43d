import type { Queryable } from '../../store/db.js';

// Per schema, so test files in their own schemas each have a leader.
const SQL = `SELECT pg_try_advisory_xact_lock(hashtext('fleet_periodic:' || current_schema())) AS got`;

/** Takes the periodic round's lock until the transaction ends; false when another process holds it. */
export async function tryPeriodicLock(tx: Queryable): Promise<boolean> {
  const { rows } = await tx.query<{ got: boolean }>(SQL);
  return rows[0]?.got === true;
}
