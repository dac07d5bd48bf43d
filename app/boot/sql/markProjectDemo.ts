import type { Queryable } from '../../store/db.js';

/** Marks the zero-configuration demo project: no GitHub Actions job ever sees it. */
export async function markProjectDemo(db: Queryable, projectId: number): Promise<void> {
  await db.query('UPDATE projects SET demo = true WHERE id = $1', [projectId]);
}
