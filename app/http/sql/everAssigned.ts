import type { Queryable } from '../../store/db.js';

/** Whether the task was ever assigned to the agent (any status). */
export async function everAssigned(db: Queryable, taskId: number, agentId: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM assignments WHERE task_id = $1 AND agent_id = $2 LIMIT 1', [taskId, agentId]);
  return rows.length > 0;
}
