import type { Queryable } from '../../../store/db.js';

/** Whether the project has a baseline already. */
export async function hasBaseline(db: Queryable, projectId: number): Promise<boolean> {
  const { rows } = await db.query<{ has: boolean }>('SELECT EXISTS (SELECT 1 FROM plan_baselines WHERE project_id = $1) AS has', [projectId]);
  return rows[0]?.has === true;
}
