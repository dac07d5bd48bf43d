import type { Queryable } from '../../store/db.js';

/** Evidence reported through the API: always source 'agent'. Returns its id. */
export async function insertAgentEvidence(
  db: Queryable,
  e: { projectId: number; taskId: number; type: string; ref: string | null; url: string | null; agentId: number | null; metadata: Record<string, unknown> },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO evidence (project_id, task_id, type, ref, url, source, agent_id, metadata)
     VALUES ($1, $2, $3, $4, $5, 'agent', $6, $7::jsonb) RETURNING id`,
    [e.projectId, e.taskId, e.type, e.ref, e.url, e.agentId, JSON.stringify(e.metadata)],
  );
  return Number(rows[0]!.id);
}
