import type { Queryable } from '../../store/db.js';

/** Seeds of one project (through any door) take turns, for the length of the transaction. */
export async function lockSeedOfProject(tx: Queryable, projectId: number): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('fleet_seed_project:' || $1))`, [String(projectId)]);
}
