import type { Queryable } from '../../../store/db.js';

// A pool claim no effect names and nothing dispatched, made in the 30 s after `since`.
const SQL = `SELECT a.id, a.task_id, a.epoch FROM assignments a
  JOIN tasks t ON t.id = a.task_id
  JOIN agents g ON g.id = a.agent_id
WHERE t.project_id = $1 AND a.pool = $2 AND g.name = 'pool/' || $2 AND a.status = 'active'
  AND a.created_at >= $3 AND a.created_at < $3::timestamptz + interval '30 seconds'
  AND NOT EXISTS (SELECT 1 FROM github_effects e WHERE e.intent->>'assignmentId' = a.id::text)
  AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.task_id = a.task_id AND v.type = 'dispatch'
                    AND v.delivery_id = 'dispatch:' || a.task_id || ':' || a.epoch)
ORDER BY a.created_at, a.id LIMIT 1`;

export async function unrecordedPoolClaim(q: Queryable, projectId: number, pool: string, since: Date): Promise<{ assignmentId: number; taskId: number; epoch: number } | null> {
  const { rows } = await q.query<{ id: number; task_id: number; epoch: number }>(SQL, [projectId, pool, since]);
  const r = rows[0];
  return r ? { assignmentId: Number(r.id), taskId: Number(r.task_id), epoch: Number(r.epoch) } : null;
}
