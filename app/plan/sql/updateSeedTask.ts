import type { Queryable } from '../../store/db.js';

import type { SeedTaskWrite } from './insertSeedTask.js';

/**
 * Status, leases and links belong to the orchestrator; seeding touches only what the plan says.
 * The footprint is the plan's globs plus the files the task's PR changed (kept across seeds).
 */
export async function updateSeedTask(tx: Queryable, id: number, t: SeedTaskWrite): Promise<void> {
  await tx.query(
    `UPDATE tasks SET epic_id = $2, title = $3, deliverables = $4::jsonb, estimated_hours = $5, priority = $6,
            source_line = $7, plan_footprint = $8::text[],
            footprint = ARRAY(SELECT DISTINCT g FROM unnest($8::text[] || pr_files) AS g ORDER BY g),
            updated_at = now() WHERE id = $1`,
    [id, t.epicId, t.title, t.deliverables, t.hours, t.priority, t.line, t.footprint],
  );
}
