import type { Queryable } from '../../store/db.js';

/** The project of a task, or null for an unknown task. */
export async function taskProjectId(db: Queryable, taskId: number): Promise<number | null> {
  const { rows } = await db.query<{ project_id: number }>('SELECT project_id FROM tasks WHERE id = $1', [taskId]);
  return rows[0] ? Number(rows[0].project_id) : null;
}
