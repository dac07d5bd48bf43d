import type { Queryable } from '../../store/db.js';

/** Deletes the state; true when it existed and had not expired. */
export async function consumeSetupStateRow(db: Queryable, stateHash: string): Promise<boolean> {
  const { rows } = await db.query<{ live: boolean }>('DELETE FROM github_setup_states WHERE state_hash = $1 RETURNING expires_at > now() AS live', [stateHash]);
  return rows[0]?.live === true;
}
