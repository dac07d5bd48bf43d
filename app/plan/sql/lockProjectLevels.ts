import type { Queryable } from '../../store/db.js';

const SQL = `SELECT pg_advisory_xact_lock(hashtext('fleet_critical_path:' || $1::text))`;

/** The project's turn to change what its critical path hours derive from, until the transaction ends. */
export async function lockProjectLevels(tx: Queryable, projectId: number): Promise<void> {
  await tx.query(SQL, [projectId]);
}
