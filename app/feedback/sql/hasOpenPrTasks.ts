import type { Queryable } from '../../store/db.js';

/** Whether an unfinished task of the project has a pull request (worth a mergeability look). */
export async function hasOpenPrTasks(db: Queryable, projectId: number): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM tasks WHERE project_id = $1 AND pr_number IS NOT NULL AND status NOT IN ('done', 'cancelled', 'failed')) AS found`,
    [projectId],
  );
  return rows[0]?.found === true;
}
