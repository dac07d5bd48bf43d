import type { Queryable } from '../../store/db.js';

type Id = number | string;

const SQL = `SELECT t.id AS task_id, 'task' AS kind, dt.key, dt.status IN ('done', 'cancelled') AS done, dt.pr_number, dt.status,
    NULL::float8 AS percent, NULL::float8 AS threshold
  FROM tasks t
  JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
  JOIN tasks dt ON dt.id = d.depends_on_task_id
  WHERE t.id = ANY($1::bigint[]) AND dt.id <> t.id
  UNION ALL
  SELECT t.id, 'epic', ep.key, ep.percent >= d.threshold_percent, NULL, NULL, ep.percent::float8, d.threshold_percent::float8
  FROM tasks t
  JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
  JOIN epic_progress ep ON ep.epic_id = d.depends_on_epic_id
  WHERE t.id = ANY($1::bigint[]) AND ep.epic_id IS DISTINCT FROM t.epic_id`;

/** What the tasks wait for: tasks (done or not) and epic thresholds judged by the epic_progress view, as readiness is. */
export function selectMergeQueuePrerequisites(db: Queryable, taskIds: number[]) {
  return db.query<{ task_id: Id; kind: 'task' | 'epic'; key: string; done: boolean; pr_number: number | null; status: string | null; percent: number | null; threshold: number | null }>(
    SQL,
    [taskIds],
  );
}
