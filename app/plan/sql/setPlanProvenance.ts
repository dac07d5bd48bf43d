import type { Queryable } from '../../store/db.js';
import type { PlanProvenance } from '../planProvenance.js';

const SET_PROVENANCE_SQL = `UPDATE tasks SET plan_path = $2, plan_commit = $3, plan_hash = $4
WHERE project_id = $1 AND id = ANY($5::bigint[]) AND (plan_path, plan_commit, plan_hash) IS DISTINCT FROM ($2, $3, $4)`;

/** Stores where the tasks' text came from: the plan file, its commit (null for a local file) and content hash. */
export async function setPlanProvenance(q: Queryable, projectId: number, taskIds: readonly number[], p: PlanProvenance): Promise<void> {
  if (!taskIds.length) return;
  await q.query(SET_PROVENANCE_SQL, [projectId, p.planPath, p.planCommit, p.planHash, taskIds]);
}
