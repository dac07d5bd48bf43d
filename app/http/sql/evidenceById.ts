import type { Queryable } from '../../store/db.js';
import { EVIDENCE_SELECT, type EvidenceRow } from './evidenceRow.js';

export async function evidenceById(db: Queryable, id: number): Promise<EvidenceRow | null> {
  const { rows } = await db.query<EvidenceRow>(`${EVIDENCE_SELECT} WHERE v.id = $1`, [id]);
  return rows[0] ?? null;
}
