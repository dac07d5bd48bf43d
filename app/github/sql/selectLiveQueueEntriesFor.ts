import type { Queryable } from '../../store/db.js';
import { COLUMNS, LIVE_STATES, map, type MergeQueueEntry, type Row } from './mergeQueueRow.js';

/** Live entries whose head is this commit or whose PR is one of these. */
export async function selectLiveQueueEntriesFor(db: Queryable, projectId: number, headSha: string | null, prNumbers: readonly number[]): Promise<MergeQueueEntry[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM merge_queue
     WHERE project_id = $1 AND state = ANY($4::text[]) AND (head_sha = $2 OR pr_number = ANY($3::int[]))
     ORDER BY id`,
    [projectId, headSha, [...prNumbers], LIVE_STATES],
  );
  return rows.map(map);
}
