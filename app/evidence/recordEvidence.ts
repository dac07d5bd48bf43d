import type { Queryable } from '../store/db.js';
import { insertEvidence, type EvidenceWrite } from './sql/insertEvidence.js';
import { selectEvidenceById, type EvidenceRow } from './sql/selectEvidenceById.js';

/**
 * The one evidence writer (issue 12), for the API (`POST /api/git/evidence`, agents) and the
 * GitHub app (webhooks, dispatches, merges) alike: one INSERT, the row read back, and one event
 * payload — `evidence.created` carries `evidenceJson(row)`, whoever wrote it.
 */

export type { EvidenceWrite } from './sql/insertEvidence.js';
export type { EvidenceRow } from './sql/selectEvidenceById.js';

export const EVIDENCE_CREATED = 'evidence.created';

export const evidenceJson = (r: EvidenceRow) => ({
  id: Number(r.id),
  task_id: r.task_id === null ? null : Number(r.task_id),
  task_key: r.task_key,
  project: r.project,
  type: r.type,
  ref: r.ref,
  url: r.url,
  source: r.source,
  /** Recorded from GitHub (webhook or the app), not reported by an agent. */
  from_github: r.source !== 'agent',
  agent_id: r.agent_id === null ? null : Number(r.agent_id),
  agent_name: r.agent_name,
  metadata: r.metadata ?? {},
  created_at: new Date(r.created_at).toISOString(),
});

export type EvidenceJson = ReturnType<typeof evidenceJson>;

/**
 * Writes the evidence and publishes it; null (and nothing published) when its delivery already
 * recorded it. `publish` is the engine's event bus (`engine.events.publish`).
 */
export async function recordEvidence(
  db: Queryable,
  publish: ((type: typeof EVIDENCE_CREATED, data: EvidenceJson) => void) | null,
  e: EvidenceWrite,
): Promise<EvidenceJson | null> {
  const id = await insertEvidence(db, e);
  if (id === null) return null;
  const row = await selectEvidenceById(db, id);
  if (!row) return null;
  const json = evidenceJson(row);
  publish?.(EVIDENCE_CREATED, json);
  return json;
}
