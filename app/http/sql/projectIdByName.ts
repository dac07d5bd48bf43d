import type { Queryable } from '../../store/db.js';

/** The id of project owner/repo as spelled, or null. */
export async function projectIdByName(db: Queryable, owner: string, repo: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM projects WHERE owner = $1 AND repo = $2', [owner, repo]);
  return rows[0] ? Number(rows[0].id) : null;
}
