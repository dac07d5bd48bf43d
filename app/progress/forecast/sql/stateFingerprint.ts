import type { Queryable } from '../../../store/db.js';

/**
 * A cheap summary that changes whenever anything the forecast reads changes: tasks (status,
 * estimates, percent reported), assignments, dependencies, agents joining or leaving, the
 * baseline. The forecast is cached until it does.
 */
export async function readStateFingerprint(db: Queryable, projectId: number | null, leaseTtlSeconds: number): Promise<string> {
  const { rows } = await db.query<{ f: string }>(
    `SELECT concat_ws('|',
       (SELECT count(*) || ':' || COALESCE(max(updated_at)::text, '') || ':' || COALESCE(sum(estimated_hours), 0) FROM tasks WHERE ($1::bigint IS NULL OR project_id = $1)),
       (SELECT count(*) || ':' || COALESCE(max(s.updated_at)::text, '') FROM assignments s JOIN tasks t ON t.id = s.task_id WHERE ($1::bigint IS NULL OR t.project_id = $1)),
       (SELECT count(*) || ':' || COALESCE(max(id), 0) FROM dependencies WHERE ($1::bigint IS NULL OR project_id = $1)),
       (SELECT count(*) || ':' || COALESCE(sum(capacity), 0) FROM agents a WHERE a.active AND a.last_heartbeat_at > now() - make_interval(secs => $2)),
       (SELECT COALESCE(max(id), 0) FROM plan_baselines WHERE ($1::bigint IS NULL OR project_id = $1))
     ) AS f`,
    [projectId, leaseTtlSeconds],
  );
  return rows[0]?.f ?? '';
}
