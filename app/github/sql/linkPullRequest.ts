import type { Queryable } from '../../store/db.js';

const SQL = `UPDATE tasks SET pr_number = $2, branch = COALESCE($3, branch)
WHERE id = $1 AND (pr_number IS DISTINCT FROM $2 OR branch IS DISTINCT FROM COALESCE($3, branch))`;

export async function linkPullRequest(q: Queryable, taskId: number, prNumber: number, branch: string | null): Promise<void> {
  await q.query(SQL, [taskId, prNumber, branch]);
}
