import type { Queryable } from '../../store/db.js';

export interface ActiveWorkRow {
  agent_id: number;
  assignment_id: number;
  epoch: number;
  percent_complete: number;
  lease_expires_at: Date;
  task_id: number;
  key: string;
  title: string;
  status: string;
  project: string;
}

/** Active assignments with their task, oldest first; of one project's tasks when given. */
export async function readActiveWork(db: Queryable, projectId: number | null): Promise<ActiveWorkRow[]> {
  const { rows } = await db.query<ActiveWorkRow>(
    `SELECT s.agent_id, s.id AS assignment_id, s.epoch, s.percent_complete, s.lease_expires_at,
            t.id AS task_id, t.key, t.title, t.status, p.owner || '/' || p.repo AS project
     FROM assignments s JOIN tasks t ON t.id = s.task_id JOIN projects p ON p.id = t.project_id
     WHERE s.status = 'active' AND ($1::bigint IS NULL OR t.project_id = $1) ORDER BY s.created_at LIMIT 10000`,
    [projectId],
  );
  return rows;
}
