import type { Queryable } from '../../store/db.js';

/** SQL for a task's lease length: its project's own setting (from .github/fleet.yml), else the server default (a parameter). */
export const leaseTtl = (taskIdSql: string, defaultParam: string) =>
  `COALESCE((SELECT p.lease_ttl_seconds FROM tasks lt JOIN projects p ON p.id = lt.project_id WHERE lt.id = ${taskIdSql}), ${defaultParam})`;

/**
 * Extends the leases of the live assignments matching `where` (a constant SQL condition on
 * assignments `a`, with its own parameters) and of their tasks. Assignments are locked first,
 * then tasks: the engine's lock order everywhere. Returns what was extended.
 */
export async function extendLeases(
  tx: Queryable,
  where: string,
  params: unknown[],
  defaultTtlSeconds: number,
): Promise<{ id: number; epoch: number; leaseExpiresAt: Date }[]> {
  const n = params.length + 1;
  const { rows } = await tx.query<{ id: number; epoch: number; lease_expires_at: Date }>(
    `WITH a AS (UPDATE assignments a SET lease_expires_at = now() + make_interval(secs => ${leaseTtl('a.task_id', `$${n}`)}),
                  updated_at = now()
                WHERE a.status = 'active' AND ${where} RETURNING a.id, a.epoch, a.task_id, a.lease_expires_at)
     UPDATE tasks t SET lease_expires_at = a.lease_expires_at FROM a WHERE t.id = a.task_id
     RETURNING a.id, a.epoch, a.lease_expires_at`,
    [...params, defaultTtlSeconds],
  );
  return rows.map((r) => ({ id: r.id, epoch: Number(r.epoch), leaseExpiresAt: r.lease_expires_at }));
}

/**
 * Hands a leased task back: to pending with the attempt counted (or given back when the end was
 * not the agent's fault), or to failed with the reason once it has used its attempts.
 */
export async function returnTask(tx: Queryable, taskId: number, reason: string, countAttempt: boolean, defaultMaxAttempts: number): Promise<void> {
  // The attempt limit is the project's own (from its .github/fleet.yml) or the server default $4.
  const max = `COALESCE((SELECT p.max_attempts FROM projects p WHERE p.id = tasks.project_id), $4)`;
  await tx.query(
    `UPDATE tasks SET
       attempts = CASE WHEN $3 THEN attempts ELSE GREATEST(attempts - 1, 0) END,
       status = CASE WHEN $3 AND attempts >= ${max} THEN 'failed' ELSE 'pending' END,
       failure_reason = CASE WHEN $3 AND attempts >= ${max} THEN $2 || ' (after ' || attempts || ' attempts)' ELSE $2 END,
       lease_expires_at = NULL
     WHERE id = $1 AND status IN ('assigned', 'in_progress', 'in_review')`,
    [taskId, reason, countAttempt, defaultMaxAttempts],
  );
}

/** Live assignments whose lease ran out, oldest first. */
export async function expiredAssignments(db: Queryable, limit = 1000): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM assignments WHERE status = 'active' AND lease_expires_at < now() ORDER BY lease_expires_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}
