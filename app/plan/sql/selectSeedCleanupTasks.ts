import type { Queryable } from '../../store/db.js';

/** Every task of the project with its status and whether evidence is attached, by key. */
export async function selectSeedCleanupTasks(tx: Queryable, projectId: number): Promise<{ id: number; key: string; status: string; has_evidence: boolean }[]> {
  const { rows } = await tx.query<{ id: number; key: string; status: string; has_evidence: boolean }>(
    `SELECT t.id, t.key, t.status, EXISTS (SELECT 1 FROM evidence v WHERE v.task_id = t.id) AS has_evidence
     FROM tasks t WHERE t.project_id = $1 ORDER BY t.key`,
    [projectId],
  );
  return rows;
}
