import type { Queryable } from '../../store/db.js';

// Written only when something differs; `estimate_changed` tells the caller to recompute levels.
const SQL = `
WITH cur AS (SELECT id, estimated_hours FROM tasks WHERE id = $1)
UPDATE tasks t SET title = $2, body = $3, issue_number = $4, issue_node_id = COALESCE($5, t.issue_node_id),
  estimated_hours = COALESCE($6, t.estimated_hours)
FROM cur
WHERE t.id = cur.id AND (t.title, t.body, t.issue_number, t.issue_node_id, t.estimated_hours)
  IS DISTINCT FROM ($2, $3, $4, COALESCE($5, t.issue_node_id), COALESCE($6, t.estimated_hours))
RETURNING (cur.estimated_hours IS DISTINCT FROM t.estimated_hours) AS estimate_changed`;

export interface IssueTaskFields {
  title: string;
  body: string;
  issueNumber: number;
  issueNodeId: string | null;
  estimatedHours: number | null;
}

/** Brings a task in line with its issue; whether its estimate changed. */
export async function updateIssueTask(q: Queryable, taskId: number, f: IssueTaskFields): Promise<{ estimateChanged: boolean }> {
  const { rows } = await q.query<{ estimate_changed: boolean }>(SQL, [taskId, f.title, f.body, f.issueNumber, f.issueNodeId, f.estimatedHours]);
  return { estimateChanged: rows[0]?.estimate_changed === true };
}
