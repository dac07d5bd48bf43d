import type { Queryable } from '../../store/db.js';

/** Takes one free lane (never held, released, or its holder's lease lapsed) that has due work. */
export async function claimLane(
  db: Queryable,
  a: { maxAttempts: number; nowMs: number; owner: string; leaseUntilMs: number },
): Promise<{ installationKey: number; lane: string } | null> {
  const { rows } = await db.query<{ installation_key: number | string; lane: string }>(
    `UPDATE webhook_lanes l SET owner = $3, lease_until = to_timestamp($4 / 1000.0)
     FROM (
       SELECT installation_key, lane FROM webhook_lanes w
       WHERE (w.lease_until IS NULL OR w.lease_until <= to_timestamp($2 / 1000.0))
         AND EXISTS (SELECT 1 FROM webhook_deliveries d
                     WHERE COALESCE(d.installation_id, 0) = w.installation_key AND d.lane = w.lane AND d.processed_at IS NULL AND d.attempts < $1
                       AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= to_timestamp($2 / 1000.0)))
       ORDER BY w.lease_until NULLS FIRST, w.installation_key, w.lane
       LIMIT 1
       FOR UPDATE SKIP LOCKED) free
     WHERE l.installation_key = free.installation_key AND l.lane = free.lane
       AND (l.lease_until IS NULL OR l.lease_until <= to_timestamp($2 / 1000.0))
     RETURNING l.installation_key, l.lane`,
    [a.maxAttempts, a.nowMs, a.owner, a.leaseUntilMs],
  );
  const row = rows[0];
  return row ? { installationKey: Number(row.installation_key), lane: row.lane } : null;
}
