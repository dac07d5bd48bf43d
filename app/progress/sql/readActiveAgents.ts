import type { Queryable } from '../../store/db.js';

/**
 * Agents counted as active: not deactivated, and either heard from within one lease or holding
 * live work. `workers` is the sum of their capacities (the parallelism the simulation uses).
 */
export async function readActiveAgents(db: Queryable, leaseTtlSeconds: number): Promise<{ agents: number; workers: number }> {
  const { rows } = await db.query<{ agents: number; workers: number }>(
    `SELECT count(*)::int AS agents, COALESCE(sum(capacity), 0)::int AS workers FROM agents a
     WHERE a.active AND (a.last_heartbeat_at > now() - make_interval(secs => $1)
                         OR EXISTS (SELECT 1 FROM assignments s WHERE s.agent_id = a.id AND s.status = 'active'))`,
    [leaseTtlSeconds],
  );
  return { agents: Number(rows[0]?.agents ?? 0), workers: Number(rows[0]?.workers ?? 0) };
}
