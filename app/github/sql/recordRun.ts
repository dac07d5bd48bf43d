import type { Queryable } from '../../store/db.js';

// Ties the run to the live assignment: the one already carrying this run id, else the active one
// that has none yet (the dispatch API did not return run details).
const SQL = `UPDATE assignments SET workflow_run_id = COALESCE(workflow_run_id, $2), runner_name = COALESCE($3, runner_name), updated_at = now()
WHERE id = (SELECT id FROM assignments WHERE task_id = $1 AND status = 'active'
              AND (workflow_run_id IS NULL OR workflow_run_id = $2 OR $2 IS NULL) ORDER BY epoch DESC LIMIT 1)`;

export async function recordRun(q: Queryable, taskId: number, run: { workflowRunId: number | null; runnerName: string | null }): Promise<void> {
  await q.query(SQL, [taskId, run.workflowRunId, run.runnerName]);
}
