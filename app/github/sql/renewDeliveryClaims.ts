import type { Queryable } from '../../store/db.js';

/** Extends the claims of deliveries being run right now. */
export async function renewDeliveryClaims(db: Queryable, deliveryIds: string[], untilMs: number): Promise<void> {
  await db.query('UPDATE webhook_deliveries SET claimed_until = to_timestamp($2 / 1000.0) WHERE delivery_id = ANY($1::text[]) AND processed_at IS NULL', [
    deliveryIds,
    untilMs,
  ]);
}
