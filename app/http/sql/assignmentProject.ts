import type { Queryable } from '../../store/db.js';

/** The project and key of an assignment's task, or null for an unknown assignment. */
export async function assignmentProject(db: Queryable, assignmentId: number): Promise<{ projectId: number; key: string } | null> {
  const { rows } = await db.query<{ project_id: number; key: string }>(
    'SELECT t.project_id, t.key FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE a.id = $1',
    [assignmentId],
  );
  return rows[0] ? { projectId: Number(rows[0].project_id), key: rows[0].key } : null;
}
