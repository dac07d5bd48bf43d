import type { Queryable } from '../../store/db.js';
import { EVIDENCE_SELECT, type EvidenceRow } from './evidenceRow.js';

/** The newest evidence of one project (or every project), of one type if given. */
export async function listEvidence(db: Queryable, projectId: number | null, type: string | null, limit: number): Promise<EvidenceRow[]> {
  const { rows } = await db.query<EvidenceRow>(
    `${EVIDENCE_SELECT} WHERE ($1::bigint IS NULL OR v.project_id = $1) AND ($2::text IS NULL OR v.type = $2) ORDER BY v.created_at DESC, v.id DESC LIMIT $3`,
    [projectId, type, limit],
  );
  return rows;
}
