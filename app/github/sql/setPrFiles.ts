import type { Queryable } from '../../store/db.js';

// The PR's files replace the previous push's (a file reverted on the branch no longer counts); the
// footprint is recomputed from both parts in the same statement, so readers never see them apart.
const SQL = `UPDATE tasks SET pr_files = $2::text[],
  footprint = ARRAY(SELECT DISTINCT g FROM unnest(plan_footprint || $2::text[]) AS g ORDER BY g)
WHERE id = $1 AND pr_files IS DISTINCT FROM $2::text[]`;

/** Stores the files a task's pull request changes and folds them into its footprint. */
export async function setPrFiles(q: Queryable, taskId: number, files: readonly string[]): Promise<void> {
  await q.query(SQL, [taskId, [...new Set(files)].sort()]);
}
