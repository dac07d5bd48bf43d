import type { Queryable } from '../../store/db.js';
import type { IssueTaskFields } from './updateIssueTask.js';

// critical_path_hours is left to its one writer (app/plan/criticalPathHours.ts), run by the caller.
const SQL = `INSERT INTO tasks (project_id, key, title, body, estimated_hours, issue_number, issue_node_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (project_id, key) DO UPDATE SET issue_number = EXCLUDED.issue_number,
  issue_node_id = COALESCE(EXCLUDED.issue_node_id, tasks.issue_node_id)
RETURNING id, (xmax = 0) AS inserted`;

/** A task born as a hand-written issue (or the issue of a plan task that had none yet). */
export async function insertIssueTask(q: Queryable, projectId: number, key: string, f: IssueTaskFields): Promise<{ id: number; inserted: boolean }> {
  const { rows } = await q.query<{ id: number; inserted?: boolean }>(SQL, [projectId, key, f.title, f.body, f.estimatedHours ?? 0, f.issueNumber, f.issueNodeId]);
  const r = rows[0]!;
  return { id: Number(r.id), inserted: r.inserted !== false };
}
