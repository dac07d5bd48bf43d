import type { Queryable } from '../../store/db.js';

export interface EvidenceWrite {
  projectId: number | null;
  taskId: number | null;
  type: string;
  ref?: string | null | undefined;
  url?: string | null | undefined;
  /** 'webhook' and 'app' from GitHub, 'agent' through the API. */
  source: string;
  agentId?: number | null | undefined;
  /** The webhook delivery (or app action) it came from: one row per (delivery, task, type). */
  deliveryId?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
  /**
   * When it happened, on the clock that judges it (the engine's, for usage reports whose spend
   * counts per day); the database's clock when left out.
   */
  at?: Date | undefined;
}

/** Inserts one evidence row; null when the same delivery already recorded it for the task and type. */
export async function insertEvidence(db: Queryable, e: EvidenceWrite): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO evidence (project_id, task_id, type, ref, url, source, agent_id, delivery_id, metadata, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, COALESCE($10::timestamptz, now()))
     ON CONFLICT (delivery_id, task_id, type) WHERE delivery_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [
      e.projectId,
      e.taskId,
      e.type,
      e.ref?.slice(0, 1000) ?? null,
      e.url?.slice(0, 2000) ?? null,
      e.source,
      e.agentId ?? null,
      e.deliveryId ?? null,
      JSON.stringify(e.metadata ?? {}),
      e.at ?? null,
    ],
  );
  return rows[0] ? Number(rows[0].id) : null;
}
