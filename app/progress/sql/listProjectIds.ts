import type { Queryable } from '../../store/db.js';

/** Ids of every project, or of the one given if it exists. */
export async function listProjectIds(db: Queryable, projectId: number | null): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM projects WHERE ($1::bigint IS NULL OR id = $1) ORDER BY id', [projectId]);
  return rows.map((r) => Number(r.id));
}
