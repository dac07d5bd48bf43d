/** The evidence columns every evidence read returns, with its task, project and agent (no statement of its own). */
export const EVIDENCE_SELECT = `SELECT v.id, v.task_id, t.key AS task_key, p.owner || '/' || p.repo AS project, v.type, v.ref, v.url, v.source,
  v.agent_id, a.name AS agent_name, v.metadata, v.created_at
  FROM evidence v LEFT JOIN tasks t ON t.id = v.task_id LEFT JOIN projects p ON p.id = COALESCE(v.project_id, t.project_id)
  LEFT JOIN agents a ON a.id = v.agent_id`;

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
