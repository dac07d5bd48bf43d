import type { Queryable } from '../../store/db.js';

export interface SeedEdgeRow { id: number; task_id: number | null; epic_id: number | null; depends_on_task_id: number | null; depends_on_epic_id: number | null; threshold_percent: number }

export async function selectSeedEdges(tx: Queryable, projectId: number): Promise<SeedEdgeRow[]> {
  const { rows } = await tx.query<SeedEdgeRow>(
    'SELECT id, task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent FROM dependencies WHERE project_id = $1',
    [projectId],
  );
  return rows;
}
