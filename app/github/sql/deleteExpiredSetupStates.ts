import type { Queryable } from '../../store/db.js';

export async function deleteExpiredSetupStates(db: Queryable): Promise<void> {
  await db.query('DELETE FROM github_setup_states WHERE expires_at < now()');
}
