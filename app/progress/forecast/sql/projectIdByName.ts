import type { Queryable } from '../../../store/db.js';

export async function readProjectIdByName(db: Queryable, owner: string, repo: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM projects WHERE owner = $1 AND repo = $2', [owner, repo]);
  return rows[0] ? Number(rows[0].id) : null;
}
