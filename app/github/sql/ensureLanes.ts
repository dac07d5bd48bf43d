import type { Queryable } from '../../store/db.js';
import { DUE } from './dueDelivery.js';

/** Lane rows for every lane with due deliveries, so a claim has a row to lock. */
export async function ensureLanes(db: Queryable, maxAttempts: number, nowMs: number): Promise<void> {
  await db.query(
    `INSERT INTO webhook_lanes (installation_key, lane)
     SELECT DISTINCT COALESCE(installation_id, 0), lane FROM webhook_deliveries WHERE ${DUE}
     ON CONFLICT DO NOTHING`,
    [maxAttempts, nowMs],
  );
}
