import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE epics SET issue_number = $3, issue_node_id = COALESCE($4, issue_node_id), updated_at = now()
WHERE project_id = $1 AND key = $2 AND (issue_number IS DISTINCT FROM $3 OR issue_node_id IS DISTINCT FROM COALESCE($4, issue_node_id))`;

export async function linkEpicIssue(q: Queryable, projectId: number, epicKey: string, issueNumber: number, nodeId: string | null): Promise<void> {
  await q.query(SQL, [projectId, epicKey, issueNumber, nodeId]);
}
