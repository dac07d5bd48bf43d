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

export { expiredAssignments } from './expiredAssignments.js';
