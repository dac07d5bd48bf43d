import type { Queryable } from '../../store/db.js';

export async function insertSeedEdge(
  tx: Queryable,
  projectId: number,
  e: { taskId: number | null; epicId: number | null; onTask: number | null; onEpic: number | null; threshold: number },
): Promise<void> {
  await tx.query(
    `INSERT INTO dependencies (project_id, task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [projectId, e.taskId, e.epicId, e.onTask, e.onEpic, e.threshold],
  );
}
