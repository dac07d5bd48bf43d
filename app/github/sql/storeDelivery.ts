import type { Queryable } from '../../store/db.js';

/**
 * Stores a verified delivery and, if it is its lane's first, the lane's row, in one statement.
 * Returns false when the delivery (by id, or by event and body hash) is already stored.
 */
export async function storeDelivery(
  db: Queryable,
  d: { id: string; event: string; action: string | null; installationId: number | null; payload: string; bodyHash: string; lane: string },
): Promise<boolean> {
  const { rows } = await db.query<{ delivery_id: string }>(
    `WITH stored AS (
       INSERT INTO webhook_deliveries (delivery_id, event, action, installation_id, payload, body_hash, lane)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
       ON CONFLICT DO NOTHING
       RETURNING delivery_id, installation_id, lane),
     lane AS (
       INSERT INTO webhook_lanes (installation_key, lane) SELECT COALESCE(installation_id, 0), lane FROM stored
       ON CONFLICT DO NOTHING)
     SELECT delivery_id FROM stored`,
    [d.id, d.event, d.action, d.installationId, d.payload, d.bodyHash, d.lane],
  );
  return rows.length > 0;
}
