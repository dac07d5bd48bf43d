import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { consumeSetupStateRow } from '../sql/consumeSetupStateRow.js';
import { deleteExpiredSetupStates } from '../sql/deleteExpiredSetupStates.js';
import { insertSetupState } from '../sql/insertSetupState.js';

/**
 * One-time `state` values for the manifest flow: issued to an admin by POST /setup/start, echoed
 * back by GitHub on the redirect to /setup/callback, accepted once and only before they expire.
 * Only their SHA-256 is stored, so a database read does not hand out a usable state.
 */

const hash = (state: string) => createHash('sha256').update(state).digest('hex');

export const STATE_TTL_SECONDS = 15 * 60;

export async function issueSetupState(db: Db, org: string | null, ttlSeconds = STATE_TTL_SECONDS): Promise<string> {
  const state = randomBytes(24).toString('base64url');
  await deleteExpiredSetupStates(db);
  await insertSetupState(db, hash(state), org, ttlSeconds);
  return state;
}

/** Uses up a state: true once for a state that was issued and has not expired, false otherwise. */
export async function consumeSetupState(db: Db, state: string): Promise<boolean> {
  return consumeSetupStateRow(db, hash(state));
}
