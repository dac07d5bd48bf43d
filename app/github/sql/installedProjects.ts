import type { Queryable } from '../../store/db.js';

/** Projects the GitHub App is installed on, for the periodic reconcile. */
export async function installedProjects(db: Queryable): Promise<{ id: number; owner: string; repo: string }[]> {
  const { rows } = await db.query<{ id: number; owner: string; repo: string }>('SELECT id, owner, repo FROM projects WHERE installation_id IS NOT NULL ORDER BY id');
  return rows;
}
