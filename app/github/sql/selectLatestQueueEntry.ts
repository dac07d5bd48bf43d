import type { Queryable } from '../../store/db.js';
import { COLUMNS, map, type MergeQueueEntry, type Row } from './mergeQueueRow.js';

/** The PR's most recent entry, live or finished. */
export async function selectLatestQueueEntry(db: Queryable, projectId: number, prNumber: number): Promise<MergeQueueEntry | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND pr_number = $2 ORDER BY id DESC LIMIT 1`, [projectId, prNumber]);
  return rows[0] ? map(rows[0]) : null;
}
