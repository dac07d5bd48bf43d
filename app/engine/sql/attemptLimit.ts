import type { Queryable } from '../../store/db.js';
import type { TaskStatus } from '../../core/taskStatus.js';

// The attempt limit is the project's own (from its .github/fleet.yml) or the server default $2.
const SQL = `SELECT t.status, t.attempts, COALESCE(p.max_attempts, $2)::int AS max_attempts
FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = $1 FOR UPDATE OF t`;

/** A task's status, attempts used and attempt limit, its row locked. */
export async function attemptLimit(tx: Queryable, taskId: number, defaultMax: number): Promise<{ status: TaskStatus; attempts: number; max: number } | null> {
  const { rows } = await tx.query<{ status: TaskStatus; attempts: number; max_attempts: number }>(SQL, [taskId, defaultMax]);
  const r = rows[0];
  return r ? { status: r.status, attempts: Number(r.attempts), max: Number(r.max_attempts) } : null;
}
