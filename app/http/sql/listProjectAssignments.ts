import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../../engine/types.js';
import { mapAssignment, type AssignmentRow } from '../../engine/sql/claimTask.js';

/** Assignments on one project's tasks, newest first, filtered like GET /api/assignments (at most 1000). */
export async function listProjectAssignments(
  db: Queryable,
  projectId: number,
  f: { status?: string | undefined; agentId?: number | undefined; taskId?: number | undefined },
): Promise<Assignment[]> {
  const { rows } = await db.query<AssignmentRow>(
    `SELECT a.* FROM assignments a JOIN tasks t ON t.id = a.task_id
     WHERE t.project_id = $1 AND ($2::text IS NULL OR a.status = $2) AND ($3::bigint IS NULL OR a.agent_id = $3)
       AND ($4::bigint IS NULL OR a.task_id = $4)
     ORDER BY a.id DESC LIMIT 1000`,
    [projectId, f.status ?? null, f.agentId ?? null, f.taskId ?? null],
  );
  return rows.map(mapAssignment);
}
