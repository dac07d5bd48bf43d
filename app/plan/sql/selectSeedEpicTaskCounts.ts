import type { Queryable } from '../../store/db.js';

/** The project's epics with how many tasks each still has. */
export async function selectSeedEpicTaskCounts(tx: Queryable, projectId: number): Promise<{ id: number; key: string; tasks: number }[]> {
  const { rows } = await tx.query<{ id: number; key: string; tasks: number }>(
    'SELECT e.id, e.key, (SELECT count(*) FROM tasks t WHERE t.epic_id = e.id)::int AS tasks FROM epics e WHERE e.project_id = $1 ORDER BY e.key',
    [projectId],
  );
  return rows;
}
