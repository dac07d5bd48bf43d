import type { Queryable } from '../../store/db.js';

export interface EvidenceRow {
  id: number;
  task_id: number | null;
  task_key: string | null;
  project: string | null;
  type: string;
  ref: string | null;
  url: string | null;
  source: string;
  agent_id: number | null;
  agent_name: string | null;
  metadata: unknown;
  created_at: Date;
}

/** One evidence row with its task key, project and agent name. */
export async function selectEvidenceById(db: Queryable, id: number): Promise<EvidenceRow | null> {
  const { rows } = await db.query<EvidenceRow>(
    `SELECT v.id, v.task_id, t.key AS task_key, p.owner || '/' || p.repo AS project, v.type, v.ref, v.url, v.source,
       v.agent_id, a.name AS agent_name, v.metadata, v.created_at
     FROM evidence v LEFT JOIN tasks t ON t.id = v.task_id LEFT JOIN projects p ON p.id = COALESCE(v.project_id, t.project_id)
     LEFT JOIN agents a ON a.id = v.agent_id
     WHERE v.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
