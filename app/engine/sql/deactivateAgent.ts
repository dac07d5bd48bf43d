import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE agents SET active = false, updated_at = now() WHERE id = $1`;

/** The agent gets no more work (its live assignments are released by the engine). */
export async function deactivateAgent(q: Queryable, id: number): Promise<void> {
  await q.query(SQL, [id]);
}
