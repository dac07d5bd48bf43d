import type { Queryable } from '../../store/db.js';
import { queueEntryOf, type QueueEntry, type QueueEntryRow } from '../../queue/readyQueue.js';

/**
 * Brings tasks.ready_since in line with the task_readiness view for the given tasks (or all).
 * Run after the transaction that changed statuses has committed: in READ COMMITTED each run sees
 * every committed change, so two completions racing on one epic threshold cannot both miss it.
 */
// Rows are locked in id order first: concurrent refreshes (and the sweep) then queue behind
// each other instead of deadlocking on overlapping sets.
const refreshSql = (where: string) => `
WITH r AS (SELECT task_id, ready FROM task_readiness ${where}),
c AS (
  SELECT t.id, r.ready FROM tasks t JOIN r ON r.task_id = t.id
  WHERE (t.ready_since IS NOT NULL) <> r.ready
  ORDER BY t.id FOR UPDATE OF t
)
UPDATE tasks t SET ready_since = CASE WHEN c.ready THEN now() ELSE NULL END
FROM c
WHERE c.id = t.id
RETURNING t.id, t.key, t.project_id, c.ready, t.critical_path_hours, t.priority, t.ready_since,
  t.required_pool, t.required_capabilities`;
// Two texts rather than one with "$1 IS NULL OR": the planner can push a plain ANY() into the view.
const REFRESH_SOME_SQL = refreshSql('WHERE task_id = ANY($1::bigint[])');
const REFRESH_ALL_SQL = refreshSql('');

export interface ReadinessChange {
  becameReady: (QueueEntry & { key: string; projectId: number })[];
  becameUnready: number[];
}

export { affectedBy } from './affectedBy.js';

export async function refreshReadiness(db: Queryable, taskIds: number[] | null): Promise<ReadinessChange> {
  if (taskIds && !taskIds.length) return { becameReady: [], becameUnready: [] };
  const { rows } = await db.query<QueueEntryRow & { key: string; ready: boolean }>(
    taskIds ? REFRESH_SOME_SQL : REFRESH_ALL_SQL,
    taskIds ? [taskIds] : [],
  );
  const change: ReadinessChange = { becameReady: [], becameUnready: [] };
  for (const r of rows) {
    if (r.ready) change.becameReady.push({ ...queueEntryOf(r), key: r.key });
    else change.becameUnready.push(r.id);
  }
  return change;
}
