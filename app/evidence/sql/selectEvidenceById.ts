import type { Queryable } from '../../store/db.js';
import { EVIDENCE_SELECT, type EvidenceRow } from './evidenceRow.js';

export type { EvidenceRow } from './evidenceRow.js';

/** One evidence row with its task key, project and agent name. */
export async function selectEvidenceById(db: Queryable, id: number): Promise<EvidenceRow | null> {
  const { rows } = await db.query<EvidenceRow>(`${EVIDENCE_SELECT} WHERE v.id = $1`, [id]);
  return rows[0] ?? null;
}
