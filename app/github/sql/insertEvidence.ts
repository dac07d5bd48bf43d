import type { Queryable } from '../../store/db.js';

// Idempotent per delivery, task and type.
const SQL = `INSERT INTO evidence (project_id, task_id, type, ref, url, source, delivery_id, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
ON CONFLICT (delivery_id, task_id, type) WHERE delivery_id IS NOT NULL DO NOTHING`;

export interface EvidenceRowInput {
  projectId: number;
  taskId: number | null;
  type: string;
  ref: string | null;
  url: string | null;
  source: string;
  deliveryId: string | null;
  metadata: Record<string, unknown>;
}

/** Writes one evidence row; false when this delivery already wrote it. */
export async function insertEvidence(q: Queryable, e: EvidenceRowInput): Promise<boolean> {
  const { rowCount } = await q.query(SQL, [e.projectId, e.taskId, e.type, e.ref, e.url, e.source, e.deliveryId, JSON.stringify(e.metadata)]);
  return rowCount > 0;
}
