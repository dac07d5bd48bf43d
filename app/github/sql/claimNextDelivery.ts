import type { Queryable } from '../../store/db.js';
import { DUE } from './dueDelivery.js';

export interface ClaimedDelivery {
  delivery_id: string;
  event: string;
  payload: unknown;
  attempts: number;
}

/**
 * The lane's oldest due delivery, while this processor still holds the lane. A delivery a dead
 * holder had claimed is due again: the lane lease, not the delivery, says who may run it.
 */
export async function claimNextDelivery(
  db: Queryable,
  a: { maxAttempts: number; nowMs: number; owner: string; leaseUntilMs: number; installationKey: number; lane: string },
): Promise<ClaimedDelivery | null> {
  const { rows } = await db.query<ClaimedDelivery>(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = to_timestamp($4 / 1000.0), claimed_by = $3
     WHERE delivery_id = (
       SELECT delivery_id FROM webhook_deliveries
       WHERE COALESCE(installation_id, 0) = $5 AND lane = $6 AND ${DUE}
         AND EXISTS (SELECT 1 FROM webhook_lanes WHERE installation_key = $5 AND lane = $6 AND owner = $3
                     AND lease_until > to_timestamp($2 / 1000.0))
       ORDER BY received_at, delivery_id
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
       AND processed_at IS NULL
     RETURNING delivery_id, event, payload, attempts`,
    [a.maxAttempts, a.nowMs, a.owner, a.leaseUntilMs, a.installationKey, a.lane],
  );
  return rows[0] ?? null;
}
