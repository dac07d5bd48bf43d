import type { Queryable } from '../../store/db.js';

const SQL = `SELECT id FROM assignments WHERE status = 'active' AND lease_expires_at < now() ORDER BY lease_expires_at LIMIT $1`;

/** Live assignments whose lease ran out, oldest first. */
export async function expiredAssignments(db: Queryable, limit = 1000): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(SQL, [limit]);
  return rows.map((r) => r.id);
}
