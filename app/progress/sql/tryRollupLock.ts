import type { Queryable } from '../../store/db.js';

/** The rollup fold's transaction lock, per schema: false when another process is folding. */
export async function tryRollupLock(tx: Queryable): Promise<boolean> {
  const { rows } = await tx.query<{ got: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtext('fleet_rollup:' || current_schema())) AS got`);
  return Boolean(rows[0]?.got);
}
