import type { Queryable } from '../../store/db.js';

const SQL = `SELECT a.task_id, a.status, a.epoch FROM assignments a JOIN tasks t ON t.id = a.task_id
WHERE t.project_id = $1 AND a.workflow_run_id = $2 ORDER BY (a.status = 'active') DESC, a.epoch DESC LIMIT 1`;

/** The live (else latest) assignment carrying this workflow run. */
export async function assignmentByRun(q: Queryable, projectId: number, runId: number): Promise<{ taskId: number; active: boolean; epoch: number } | null> {
  const { rows } = await q.query<{ task_id: number; status: string; epoch: number }>(SQL, [projectId, runId]);
  const r = rows[0];
  return r ? { taskId: Number(r.task_id), active: r.status === 'active', epoch: Number(r.epoch) } : null;
}
