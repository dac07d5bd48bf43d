import type { Queryable } from '../../store/db.js';

/** Extends every live lease this owner holds; returns the lanes still held. */
export async function renewLanes(db: Queryable, owner: string, untilMs: number, nowMs: number): Promise<{ installationKey: number; lane: string }[]> {
  const { rows } = await db.query<{ installation_key: number | string; lane: string }>(
    `UPDATE webhook_lanes SET lease_until = to_timestamp($2 / 1000.0)
     WHERE owner = $1 AND lease_until > to_timestamp($3 / 1000.0)
     RETURNING installation_key, lane`,
    [owner, untilMs, nowMs],
  );
  return rows.map((r) => ({ installationKey: Number(r.installation_key), lane: r.lane }));
}
