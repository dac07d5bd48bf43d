import type { Queryable } from '../../store/db.js';

const SQL = `SELECT project_id FROM tasks WHERE id = $1`;

/** The project a task belongs to; null when there is no such task. */
export async function taskProject(q: Queryable, taskId: number): Promise<number | null> {
  const { rows } = await q.query<{ project_id: number }>(SQL, [taskId]);
  return rows[0] ? Number(rows[0].project_id) : null;
}
