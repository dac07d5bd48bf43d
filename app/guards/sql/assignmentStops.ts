import type { Queryable } from '../../store/db.js';

const MARK_SQL = `UPDATE assignments SET stop_reason = COALESCE(stop_reason, $2), stop_sent_at = COALESCE(stop_sent_at, $3), updated_at = now()
WHERE id = $1 AND status = 'active' RETURNING stop_reason`;
const REQUEST_SQL = `UPDATE assignments a SET stop_reason = COALESCE(a.stop_reason, $2), updated_at = now()
FROM tasks t WHERE t.id = a.task_id AND t.project_id = $1 AND a.status = 'active' AND ($3::bigint IS NULL OR a.task_id = $3) RETURNING a.id`;
const STOP_OF_SQL = `SELECT stop_reason FROM assignments WHERE id = $1`;
const OVERDUE_SQL = `SELECT a.id, a.task_id, a.workflow_run_id, a.stop_reason, t.project_id, p.owner, p.repo
FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN projects p ON p.id = t.project_id
WHERE a.status = 'active' AND a.stop_sent_at IS NOT NULL AND a.stop_sent_at <= $1 AND a.run_cancelled_at IS NULL
ORDER BY a.id LIMIT 100`;
const CANCELLED_SQL = `UPDATE assignments SET run_cancelled_at = $2, updated_at = now() WHERE id = $1 AND run_cancelled_at IS NULL RETURNING id`;

/** The stop the heartbeat answered, recorded once: its reason and the first time it was sent. */
export async function markStopSent(q: Queryable, assignmentId: number, reason: string, at: Date): Promise<void> {
  await q.query(MARK_SQL, [assignmentId, reason, at]);
}

/** Asks the project's running assignments (or one task's) to stop at their next heartbeat. */
export async function requestStop(q: Queryable, projectId: number, reason: string, taskId: number | null = null): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(REQUEST_SQL, [projectId, reason, taskId]);
  return rows.map((r) => Number(r.id));
}

export async function stopRequested(q: Queryable, assignmentId: number): Promise<string | null> {
  const { rows } = await q.query<{ stop_reason: string | null }>(STOP_OF_SQL, [assignmentId]);
  return rows[0]?.stop_reason ?? null;
}

export interface OverdueStop {
  assignmentId: number;
  taskId: number;
  projectId: number;
  owner: string;
  repo: string;
  workflowRunId: number | null;
  reason: string;
}

/** Assignments told to stop before `sentBefore` that are still running: their runs get cancelled. */
export async function overdueStops(q: Queryable, sentBefore: Date): Promise<OverdueStop[]> {
  const { rows } = await q.query<{ id: number; task_id: number; workflow_run_id: number | null; stop_reason: string; project_id: number; owner: string; repo: string }>(OVERDUE_SQL, [sentBefore]);
  return rows.map((r) => ({
    assignmentId: Number(r.id),
    taskId: Number(r.task_id),
    projectId: Number(r.project_id),
    owner: r.owner,
    repo: r.repo,
    workflowRunId: r.workflow_run_id === null ? null : Number(r.workflow_run_id),
    reason: r.stop_reason,
  }));
}

export async function markRunCancelled(q: Queryable, assignmentId: number, at: Date): Promise<boolean> {
  const { rows } = await q.query(CANCELLED_SQL, [assignmentId, at]);
  return rows.length > 0;
}
