import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE assignments SET workflow_run_id = COALESCE($2, workflow_run_id), runner_name = COALESCE($3, runner_name), updated_at = now()
WHERE id = $1`;

export async function recordDispatch(q: Queryable, assignmentId: number, run: { workflowRunId: number | null; runnerName: string | null }): Promise<void> {
  await q.query(SQL, [assignmentId, run.workflowRunId, run.runnerName]);
}
