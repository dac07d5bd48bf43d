import type { Queryable } from '../../store/db.js';

/** Agents of a project: minted for it, or that ever held one of its tasks. */
export async function agentIdsInProject(db: Queryable, projectId: number): Promise<Set<number>> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT a.id FROM agents a
     WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = $1 AND lower(p.owner || '/' || p.repo) = lower(a.project_scope))
        OR EXISTS (SELECT 1 FROM assignments s JOIN tasks t ON t.id = s.task_id WHERE s.agent_id = a.id AND t.project_id = $1)`,
    [projectId],
  );
  return new Set(rows.map((r) => Number(r.id)));
}
