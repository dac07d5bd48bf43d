import type { Queryable } from '../../store/db.js';

/** Agents counted by pool and state: busy (holds an active assignment), idle, inactive. */
export async function readAgentStates(db: Queryable): Promise<{ pool: string; state: string; n: number }[]> {
  const { rows } = await db.query<{ pool: string; state: string; n: number }>(
    `SELECT a.pool,
       CASE WHEN NOT a.active THEN 'inactive'
            WHEN EXISTS (SELECT 1 FROM assignments s WHERE s.agent_id = a.id AND s.status = 'active') THEN 'busy'
            ELSE 'idle' END AS state,
       count(*)::int AS n
     FROM agents a GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ pool: r.pool, state: r.state, n: Number(r.n) }));
}
