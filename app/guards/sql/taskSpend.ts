import type { Queryable } from '../../store/db.js';

/**
 * Spend per task from usage evidence. Reports are cumulative per (assignment, epoch) and may
 * repeat or arrive out of order: each run counts at its highest report, then runs add up.
 */
const SQL = `
WITH runs AS (
  SELECT e.task_id,
         max((e.metadata->>'cost_usd')::numeric) AS usd,
         max(COALESCE((e.metadata->>'wall_seconds')::numeric, 0)) AS secs,
         max(COALESCE((e.metadata->>'input_tokens')::numeric, 0)) AS tin,
         max(COALESCE((e.metadata->>'output_tokens')::numeric, 0)) AS tout,
         max(e.created_at) AS last_at
  FROM evidence e
  WHERE e.type = 'usage' AND e.project_id = $1
  GROUP BY e.task_id, e.metadata->>'assignment_id', e.metadata->>'epoch'
)
SELECT r.task_id, t.key, t.epic_id, ep.key AS epic_key,
       sum(r.usd)::float8 AS usd, sum(r.secs)::float8 AS secs,
       sum(r.tin)::float8 AS input_tokens, sum(r.tout)::float8 AS output_tokens,
       COALESCE(sum(r.usd) FILTER (WHERE r.last_at >= $2), 0)::float8 AS day_usd,
       max(r.last_at) AS last_at
FROM runs r JOIN tasks t ON t.id = r.task_id LEFT JOIN epics ep ON ep.id = t.epic_id
GROUP BY r.task_id, t.key, t.epic_id, ep.key`;

export interface TaskSpendRow {
  taskId: number;
  key: string;
  epicId: number | null;
  epicKey: string | null;
  usd: number;
  minutes: number;
  inputTokens: number;
  outputTokens: number;
  /** The part of it reported since the start of the day. */
  dayUsd: number;
  lastAt: Date;
}

export async function taskSpend(q: Queryable, projectId: number, dayStart: Date): Promise<TaskSpendRow[]> {
  const { rows } = await q.query<{ task_id: number; key: string; epic_id: number | null; epic_key: string | null; usd: number | null; secs: number | null; input_tokens: number; output_tokens: number; day_usd: number; last_at: Date }>(SQL, [projectId, dayStart]);
  return rows.map((r) => ({
    taskId: Number(r.task_id),
    key: r.key,
    epicId: r.epic_id === null ? null : Number(r.epic_id),
    epicKey: r.epic_key,
    usd: r.usd ?? 0,
    minutes: (r.secs ?? 0) / 60,
    inputTokens: r.input_tokens ?? 0,
    outputTokens: r.output_tokens ?? 0,
    dayUsd: r.day_usd ?? 0,
    lastAt: new Date(r.last_at),
  }));
}
