import type { Queryable } from '../../store/db.js';

export interface SeedTaskWrite {
  epicId: number | null; title: string; deliverables: string; hours: number; priority: number; line: number | null; footprint: string[];
}

export async function insertSeedTask(tx: Queryable, projectId: number, key: string, t: SeedTaskWrite): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO tasks (project_id, epic_id, key, title, deliverables, estimated_hours, priority, source_line, plan_footprint, footprint)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9::text[], $9::text[]) RETURNING id`,
    [projectId, t.epicId, key, t.title, t.deliverables, t.hours, t.priority, t.line, t.footprint],
  );
  return Number(rows[0]!.id);
}
