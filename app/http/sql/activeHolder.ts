import type { Queryable } from '../../store/db.js';

/**
 * Who holds a task's active assignment: `undefined` when nobody does, `null` when a pool holds it
 * with no agent, else the agent's id.
 */
export async function activeHolder(db: Queryable, taskId: number): Promise<number | null | undefined> {
  const { rows } = await db.query<{ agent_id: number | null }>(`SELECT agent_id FROM assignments WHERE task_id = $1 AND status = 'active'`, [taskId]);
  if (!rows[0]) return undefined;
  return rows[0].agent_id === null ? null : Number(rows[0].agent_id);
}
