import type { Queryable } from '../../store/db.js';

export interface SeedTaskRow {
  id: number; key: string; epic_id: number | null; title: string; deliverables: unknown; estimated_hours: number;
  priority: number; source_line: number | null; status: string; has_evidence: boolean; plan_footprint: string[] | null;
}

/** The project's tasks as the seeder compares them with the plan (with whether evidence is attached). */
export async function selectSeedTasks(tx: Queryable, projectId: number): Promise<SeedTaskRow[]> {
  const { rows } = await tx.query<SeedTaskRow>(
    `SELECT t.id, t.key, t.epic_id, t.title, t.deliverables, t.estimated_hours, t.priority,
            t.source_line, t.status, t.plan_footprint, EXISTS (SELECT 1 FROM evidence v WHERE v.task_id = t.id) AS has_evidence
     FROM tasks t WHERE t.project_id = $1`,
    [projectId],
  );
  return rows;
}
