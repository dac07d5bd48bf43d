import type { Queryable } from '../../../store/db.js';

const SQL = `DELETE FROM github_command_replies WHERE replied_at < now() - make_interval(secs => $1)`;

/** Forgets reply markers older than the window; returns how many. */
export async function pruneReplySlots(q: Queryable, windowSeconds: number): Promise<number> {
  const { rowCount } = await q.query(SQL, [windowSeconds]);
  return rowCount;
}
