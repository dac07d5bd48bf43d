import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';
import { mapAssignment, type AssignmentRow } from './claimTask.js';

const SQL = `SELECT * FROM assignments WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR agent_id = $2)
AND ($3::bigint IS NULL OR task_id = $3) ORDER BY id DESC LIMIT 1000`;

export interface AssignmentFilter {
  status?: string;
  agentId?: number;
  taskId?: number;
}

/** The latest thousand assignments matching the filter, newest first. */
export async function listAssignments(q: Queryable, f: AssignmentFilter): Promise<Assignment[]> {
  const { rows } = await q.query<AssignmentRow>(SQL, [f.status ?? null, f.agentId ?? null, f.taskId ?? null]);
  return rows.map(mapAssignment);
}
