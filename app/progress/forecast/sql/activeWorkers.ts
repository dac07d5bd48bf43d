import type { Queryable } from '../../../store/db.js';

/**
 * Parallel slots of the agents at work now (sum of capacities): active, and heard from within a
 * lease or holding live work. The same rule as the progress summary's active agents.
 */
export async function readActiveWorkers(db: Queryable, leaseTtlSeconds: number): Promise<number> {
  const { rows } = await db.query<{ workers: number }>(
    `SELECT COALESCE(sum(capacity), 0)::int AS workers FROM agents a
     WHERE a.active AND (a.last_heartbeat_at > now() - make_interval(secs => $1)
                         OR EXISTS (SELECT 1 FROM assignments s WHERE s.agent_id = a.id AND s.status = 'active'))`,
    [leaseTtlSeconds],
  );
  return Number(rows[0]?.workers ?? 0);
}
