import type { Queryable } from '../../store/db.js';

export async function insertSetupState(db: Queryable, stateHash: string, org: string | null, ttlSeconds: number): Promise<void> {
  await db.query('INSERT INTO github_setup_states (state_hash, org, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))', [stateHash, org, ttlSeconds]);
}
