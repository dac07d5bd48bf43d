import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE tasks SET issue_number = $2, issue_node_id = COALESCE($3, issue_node_id)
WHERE id = $1 AND (issue_number IS DISTINCT FROM $2 OR issue_node_id IS DISTINCT FROM COALESCE($3, issue_node_id))`;

export async function linkIssue(q: Queryable, taskId: number, issueNumber: number, nodeId: string | null): Promise<void> {
  await q.query(SQL, [taskId, issueNumber, nodeId]);
}
