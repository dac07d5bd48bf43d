import type { Queryable } from '../../store/db.js';

/** What the entry waits for, in words. */
export async function setQueueWaiting(db: Queryable, id: number, waitingFor: string | null): Promise<void> {
  await db.query('UPDATE merge_queue SET waiting_for = $2, updated_at = now() WHERE id = $1 AND waiting_for IS DISTINCT FROM $2', [id, waitingFor]);
}
