import type { Queryable } from '../../store/db.js';
import { COLUMNS, LIVE_STATES, map, type MergeQueueEntry, type Row } from './mergeQueueRow.js';

/** The PR's live entry, if any. */
export async function selectLiveQueueEntry(db: Queryable, projectId: number, prNumber: number): Promise<MergeQueueEntry | null> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND pr_number = $2 AND state = ANY($3::text[]) LIMIT 1`,
    [projectId, prNumber, LIVE_STATES],
  );
  return rows[0] ? map(rows[0]) : null;
}
