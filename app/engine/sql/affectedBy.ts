import type { Queryable } from '../../store/db.js';

/** Tasks whose readiness may change when `taskId` changes status: direct and epic-level dependents, and itself. */
const AFFECTED_SQL = `
SELECT $1::bigint AS id
UNION SELECT d.task_id FROM dependencies d WHERE d.depends_on_task_id = $1 AND d.task_id IS NOT NULL
UNION SELECT d.task_id FROM dependencies d JOIN tasks x ON x.id = $1
  WHERE d.depends_on_epic_id = x.epic_id AND d.task_id IS NOT NULL
UNION SELECT t.id FROM dependencies d JOIN tasks x ON x.id = $1 JOIN tasks t ON t.epic_id = d.epic_id
  WHERE d.depends_on_epic_id = x.epic_id AND d.epic_id IS NOT NULL`;

export async function affectedBy(db: Queryable, taskIds: number[]): Promise<number[]> {
  const out = new Set<number>();
  for (const id of taskIds) {
    const { rows } = await db.query<{ id: number }>(AFFECTED_SQL, [id]);
    for (const r of rows) out.add(r.id);
  }
  return [...out];
}
