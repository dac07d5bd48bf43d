import type { Queryable } from '../../store/db.js';
import { COLUMNS, LIVE_STATES, map, type MergeQueueEntry, type Row } from './mergeQueueRow.js';

/** Live entries of one base branch, oldest first. */
export async function selectLiveQueueEntriesOnBase(db: Queryable, projectId: number, base: string): Promise<MergeQueueEntry[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND base_branch = $2 AND state = ANY($3::text[]) ORDER BY id`,
    [projectId, base, LIVE_STATES],
  );
  return rows.map(map);
}
