import type { Queryable } from '../../store/db.js';

export interface SeedEpicRow { id: number; key: string; title: string; priority: number; declared_hours: number | null; source_line: number | null }

/** The project's epics as the seeder compares them with the plan. */
export async function selectSeedEpics(tx: Queryable, projectId: number): Promise<SeedEpicRow[]> {
  const { rows } = await tx.query<SeedEpicRow>('SELECT id, key, title, priority, declared_hours, source_line FROM epics WHERE project_id = $1', [projectId]);
  return rows;
}
