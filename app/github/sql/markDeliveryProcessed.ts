import type { Queryable } from '../../store/db.js';

export async function markDeliveryProcessed(db: Queryable, deliveryId: string): Promise<void> {
  await db.query('UPDATE webhook_deliveries SET processed_at = now(), error = NULL, claimed_until = NULL, next_attempt_at = NULL WHERE delivery_id = $1', [
    deliveryId,
  ]);
}
