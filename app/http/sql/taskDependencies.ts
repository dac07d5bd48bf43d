import type { Queryable } from '../../store/db.js';

export interface DependencyJson {
  key: string;
  status: string;
  pr_number: number | null;
}

/** The tasks a task depends on, by key, with their status and pull request. */
export async function taskDependencies(db: Queryable, taskId: number): Promise<DependencyJson[]> {
  const { rows } = await db.query<DependencyJson>(
    `SELECT dt.key, dt.status, dt.pr_number FROM dependencies d JOIN tasks dt ON dt.id = d.depends_on_task_id
     WHERE d.task_id = $1 ORDER BY dt.key`,
    [taskId],
  );
  return rows;
}
