import type { Queryable } from '../../store/db.js';

/** Lets a held lane go (its lease ends now), if this owner still holds it. */
export async function releaseLane(db: Queryable, installationKey: number, lane: string, owner: string): Promise<void> {
  await db.query('UPDATE webhook_lanes SET lease_until = NULL WHERE installation_key = $1 AND lane = $2 AND owner = $3', [installationKey, lane, owner]);
}
