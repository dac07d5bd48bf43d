import type { Queryable } from '../../store/db.js';

/**
 * The one statement for edits of a task that are not status: hold, priority, pool routing,
 * estimate and the git fields. Absent fields are left; a row is written only when something
 * differs. Returns whether the task exists and whether it changed.
 */
const SQL = `
WITH cur AS (SELECT id FROM tasks WHERE id = $1),
upd AS (
  UPDATE tasks SET held = COALESCE($2, held), priority = COALESCE($3, priority),
    required_pool = CASE WHEN $4 THEN $5 ELSE required_pool END, estimated_hours = COALESCE($6, estimated_hours),
    branch = CASE WHEN $7 THEN $8 ELSE branch END, pr_number = CASE WHEN $9 THEN $10 ELSE pr_number END,
    pr_url = CASE WHEN $11 THEN $12 ELSE pr_url END
  WHERE id = $1 AND (held, priority, required_pool, estimated_hours, branch, pr_number, pr_url) IS DISTINCT FROM
    (COALESCE($2, held), COALESCE($3, priority), CASE WHEN $4 THEN $5 ELSE required_pool END, COALESCE($6::numeric, estimated_hours),
     CASE WHEN $7 THEN $8 ELSE branch END, CASE WHEN $9 THEN $10 ELSE pr_number END, CASE WHEN $11 THEN $12 ELSE pr_url END)
  RETURNING id
)
SELECT EXISTS (SELECT 1 FROM cur) AS found, EXISTS (SELECT 1 FROM upd) AS changed`;

export interface TaskPatch {
  held?: boolean | undefined;
  priority?: number | undefined;
  requiredPool?: string | null | undefined;
  estimatedHours?: number | undefined;
  branch?: string | null | undefined;
  prNumber?: number | null | undefined;
  prUrl?: string | null | undefined;
}

export async function editTask(q: Queryable, taskId: number, p: TaskPatch): Promise<{ found: boolean; changed: boolean }> {
  const { rows } = await q.query<{ found: boolean; changed: boolean }>(SQL, [
    taskId,
    p.held ?? null,
    p.priority ?? null,
    p.requiredPool !== undefined,
    p.requiredPool ?? null,
    p.estimatedHours ?? null,
    p.branch !== undefined,
    p.branch ?? null,
    p.prNumber !== undefined,
    p.prNumber ?? null,
    p.prUrl !== undefined,
    p.prUrl ?? null,
  ]);
  return { found: rows[0]?.found === true, changed: rows[0]?.changed === true };
}
