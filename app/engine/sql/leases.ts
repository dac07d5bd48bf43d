import type { Queryable } from '../../store/db.js';

/** SQL for a task's lease length: its project's own setting (from .github/fleet.yml), else the server default (a parameter). */
export const leaseTtl = (taskIdSql: string, defaultParam: string) =>
  `COALESCE((SELECT p.lease_ttl_seconds FROM tasks lt JOIN projects p ON p.id = lt.project_id WHERE lt.id = ${taskIdSql}), ${defaultParam})`;

/**
 * Extends the leases of the live assignments named by id and epoch (of `agentId`'s only, when
 * given) and of their tasks. Assignments are locked first, then tasks: the engine's lock order
 * everywhere. Returns what was extended.
 */
export async function extendLeases(
  tx: Queryable,
  leases: readonly { id: number; epoch: number }[],
  defaultTtlSeconds: number,
  agentId: number | null = null,
): Promise<{ id: number; epoch: number; leaseExpiresAt: Date }[]> {
  const { rows } = await tx.query<{ id: number; epoch: number; lease_expires_at: Date }>(
    `WITH a AS (UPDATE assignments a SET lease_expires_at = now() + make_interval(secs => ${leaseTtl('a.task_id', '$4')}),
                  updated_at = now()
                WHERE a.status = 'active' AND ($3::bigint IS NULL OR a.agent_id = $3)
                  AND (a.id, a.epoch) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
                RETURNING a.id, a.epoch, a.task_id, a.lease_expires_at)
     UPDATE tasks t SET lease_expires_at = a.lease_expires_at FROM a WHERE t.id = a.task_id
     RETURNING a.id, a.epoch, a.lease_expires_at`,
    [leases.map((l) => l.id), leases.map((l) => l.epoch), agentId, defaultTtlSeconds],
  );
  return rows.map((r) => ({ id: Number(r.id), epoch: Number(r.epoch), leaseExpiresAt: r.lease_expires_at }));
}

export { expiredAssignments } from './expiredAssignments.js';
