import type { Queryable } from '../../store/db.js';
import { leaseTtl } from './leases.js';

const SQL = `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => ${leaseTtl('$1', '$2')}) WHERE id = $1`;

/** The task's lease runs again from now (the project's length, else the server default). */
export async function extendTaskLease(tx: Queryable, taskId: number, defaultTtlSeconds: number): Promise<void> {
  await tx.query(SQL, [taskId, defaultTtlSeconds]);
}
