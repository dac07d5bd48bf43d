import type { Queryable } from '../../store/db.js';

/** owner/repo of a project id, or null when there is none. */
export async function projectName(db: Queryable, projectId: number): Promise<string | null> {
  const { rows } = await db.query<{ name: string }>(`SELECT owner || '/' || repo AS name FROM projects WHERE id = $1`, [projectId]);
  return rows[0]?.name ?? null;
}
