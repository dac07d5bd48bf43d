import type { Queryable } from '../../store/db.js';

const SQL = `SELECT type, ref, url, created_at FROM evidence WHERE task_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;

export async function recentEvidence(q: Queryable, taskId: number, limit = 5): Promise<{ type: string; ref: string | null; url: string | null; createdAt: Date }[]> {
  const { rows } = await q.query<{ type: string; ref: string | null; url: string | null; created_at: Date }>(SQL, [taskId, limit]);
  return rows.map((r) => ({ type: r.type, ref: r.ref, url: r.url, createdAt: r.created_at }));
}
