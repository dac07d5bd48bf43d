import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow, type ClaimKey } from './claimTask.js';

const SQL = `SELECT a.* FROM claim_requests r JOIN assignments a ON a.id = r.assignment_id WHERE r.caller = $1 AND r.key = $2`;

/** The assignment an earlier claim with this caller's key made, if any. */
export async function claimByKey(db: Queryable, idem: ClaimKey): Promise<Assignment | null> {
  const { rows } = await db.query<AssignmentRow>(SQL, [idem.caller, idem.key]);
  return rows[0] ? mapAssignment(rows[0]) : null;
}
