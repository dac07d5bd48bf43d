import type { Queryable } from '../../store/db.js';
import { COLUMNS, map, type MergeQueueEntry, type Row } from './mergeQueueRow.js';

/** One entry by id. */
export async function selectQueueEntryById(db: Queryable, id: number): Promise<MergeQueueEntry | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM merge_queue WHERE id = $1`, [id]);
  return rows[0] ? map(rows[0]) : null;
}
