import type { Queryable } from '../../store/db.js';

const SQL = `SELECT p.backoff FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = $1`;

/** The `.github/fleet.yml` `backoff` block of the task's project ({} = the defaults). */
export async function projectBackoff(q: Queryable, taskId: number): Promise<{ baseMinutes?: number; maxMinutes?: number; jitter?: number }> {
  const { rows } = await q.query<{ backoff: { baseMinutes?: number; maxMinutes?: number; jitter?: number } | null }>(SQL, [taskId]);
  return rows[0]?.backoff ?? {};
}
