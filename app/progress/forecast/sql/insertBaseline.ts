import type { Queryable } from '../../../store/db.js';

export interface BaselineHeader {
  projectId: number;
  agents: number;
  hoursPerDay: number;
  makespanHours: number;
  reason: 'seed' | 'sync' | 'request';
  /** Only when the project has no baseline yet (seed and sync never replace one). */
  onlyIfMissing: boolean;
}

/** The baseline row; null when `onlyIfMissing` and one exists. Callers hold the project's seed lock or a transaction. */
export async function insertBaseline(db: Queryable, b: BaselineHeader): Promise<{ id: number; createdAt: Date } | null> {
  const { rows } = await db.query<{ id: number; created_at: Date }>(
    `INSERT INTO plan_baselines (project_id, agents, hours_per_day, makespan_hours, reason)
     SELECT $1, $2, $3, $4, $5
     WHERE NOT ($6::boolean AND EXISTS (SELECT 1 FROM plan_baselines WHERE project_id = $1))
     RETURNING id, created_at`,
    [b.projectId, b.agents, b.hoursPerDay, b.makespanHours, b.reason, b.onlyIfMissing],
  );
  const r = rows[0];
  return r ? { id: Number(r.id), createdAt: new Date(r.created_at) } : null;
}
