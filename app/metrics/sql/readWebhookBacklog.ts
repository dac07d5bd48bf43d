import type { Queryable } from '../../store/db.js';

/**
 * Unprocessed webhook deliveries: queued (no failed attempt), failed, and the age of the oldest
 * queued one. Only unprocessed rows are read (a partial index covers them): processed
 * deliveries are never deleted, so counting them would scan an ever-growing table on every scrape.
 */
export async function readWebhookBacklog(db: Queryable): Promise<{ queued: number; failed: number; lag: number }> {
  const { rows } = await db.query<{ queued: number; failed: number; lag: number }>(
    `SELECT count(*) FILTER (WHERE error IS NULL)::int AS queued,
            count(*) FILTER (WHERE error IS NOT NULL)::int AS failed,
            COALESCE(EXTRACT(EPOCH FROM now() - min(received_at) FILTER (WHERE error IS NULL)), 0)::float8 AS lag
     FROM webhook_deliveries WHERE processed_at IS NULL`,
  );
  return { queued: Number(rows[0]?.queued ?? 0), failed: Number(rows[0]?.failed ?? 0), lag: Number(rows[0]?.lag ?? 0) };
}
