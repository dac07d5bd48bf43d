import type { Queryable } from '../../store/db.js';

/** The agent itself, as its row stores it and as the progress API serves it. */
export interface AgentIdentity {
  id: number;
  name: string;
  pool: string;
  kind: string;
  labels: string[];
  capacity: number;
  active: boolean;
}

/** The identity part of a row as served: a bigint id (which pg reads as a string) as a number, no labels as none. */
export function agentIdentity(r: AgentIdentity): AgentIdentity {
  return { id: Number(r.id), name: r.name, pool: r.pool, kind: r.kind, labels: r.labels ?? [], capacity: r.capacity, active: r.active };
}

export interface AgentStatsRow extends AgentIdentity {
  last_heartbeat_at: Date | null;
  hb_age: number | null;
  window_s: number;
  busy_s: number;
  tasks_done: number;
  failures: number;
  done_in_window: number;
  failures_in_window: number;
}

/** An assignment `s` on a task of project $2 (every assignment when $2 is null). */
const IN_PROJECT = '($2::bigint IS NULL OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id AND t.project_id = $2))';

/**
 * Per agent: heartbeat age, busy seconds and outcomes over the window. With a project, only the
 * agents of that project (minted for it, or that ever held one of its tasks), their outcomes
 * counted on its tasks only.
 */
export async function readAgentStats(db: Queryable, windowHours: number, projectId: number | null): Promise<AgentStatsRow[]> {
  const { rows } = await db.query<AgentStatsRow>(
    `SELECT a.id, a.name, a.pool, a.kind, a.labels, a.capacity, a.active, a.last_heartbeat_at,
            EXTRACT(EPOCH FROM (now() - a.last_heartbeat_at))::float8 AS hb_age,
            GREATEST(0, EXTRACT(EPOCH FROM LEAST(now() - a.created_at, $1 * interval '1 hour')))::float8 AS window_s,
            COALESCE(w.busy_s, 0)::float8 AS busy_s,
            COALESCE(w.done_in_window, 0)::int AS done_in_window, COALESCE(w.failures_in_window, 0)::int AS failures_in_window,
            (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status = 'completed' AND ${IN_PROJECT})::int AS tasks_done,
            (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status IN ('failed', 'expired') AND ${IN_PROJECT})::int AS failures
     FROM agents a
     LEFT JOIN LATERAL (
       SELECT sum(EXTRACT(EPOCH FROM (LEAST(COALESCE(s.ended_at, now()), now()) - GREATEST(s.created_at, now() - $1 * interval '1 hour', a.created_at)))) AS busy_s,
              count(*) FILTER (WHERE s.status = 'completed') AS done_in_window,
              count(*) FILTER (WHERE s.status IN ('failed', 'expired')) AS failures_in_window
       FROM assignments s
       WHERE s.agent_id = a.id AND (s.ended_at IS NULL OR s.ended_at > now() - $1 * interval '1 hour') AND s.created_at < now() AND ${IN_PROJECT}
     ) w ON true
     WHERE $2::bigint IS NULL
        OR EXISTS (SELECT 1 FROM projects p WHERE p.id = $2 AND lower(p.owner || '/' || p.repo) = lower(a.project_scope))
        OR EXISTS (SELECT 1 FROM assignments s WHERE s.agent_id = a.id AND ${IN_PROJECT})
     ORDER BY a.name
     LIMIT 1000`,
    [windowHours, projectId],
  );
  return rows;
}
