import type { Queryable } from '../../store/db.js';

/** Records a failed attempt and when the delivery is due again (milliseconds, the processor's clock). */
export async function markDeliveryFailed(db: Queryable, deliveryId: string, error: string, retryAtMs: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET error = $2, next_attempt_at = to_timestamp($3 / 1000.0), claimed_until = NULL
     WHERE delivery_id = $1 AND processed_at IS NULL`,
    [deliveryId, error, retryAtMs],
  );
}
