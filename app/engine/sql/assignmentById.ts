import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow } from './claimTask.js';

const SQL = `SELECT * FROM assignments WHERE id = $1`;

export async function assignmentById(q: Queryable, id: number): Promise<Assignment | null> {
  const { rows } = await q.query<AssignmentRow>(SQL, [id]);
  return rows[0] ? mapAssignment(rows[0]) : null;
}
