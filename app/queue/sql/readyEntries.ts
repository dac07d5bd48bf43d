import type { Queryable } from '../../store/db.js';
import { queueEntryOf, type QueueEntry, type QueueEntryRow } from '../readyQueue.js';

const COLUMNS = 'id, project_id, critical_path_hours, priority, ready_since, required_pool, required_capabilities';
// Pages by id; `$1::bigint[] IS NULL` reads every project, else only those listed.
const PAGE_SQL = `SELECT ${COLUMNS} FROM tasks WHERE ready AND ($1::bigint[] IS NULL OR project_id = ANY($1::bigint[])) AND id > $2 ORDER BY id LIMIT $3`;
const SINCE_SQL = `SELECT ${COLUMNS} FROM tasks WHERE ready AND updated_at >= $1`;
const UNREADY_SINCE_SQL = `SELECT id FROM tasks WHERE NOT ready AND updated_at >= $1`;
const OF_SQL = `SELECT ${COLUMNS} FROM tasks WHERE ready AND id = ANY($1::bigint[])`;

/** One page (by id) of ready tasks as index entries, of the given projects or all. */
export async function readyEntriesAfter(db: Queryable, after: number, limit: number, projectIds: number[] | null = null): Promise<QueueEntry[]> {
  const { rows } = await db.query<QueueEntryRow>(PAGE_SQL, [projectIds, after, limit]);
  return rows.map(queueEntryOf);
}

/** Ready tasks written since `since` (the rebuild's catch-up after its swap). */
export async function readyEntriesSince(db: Queryable, since: Date): Promise<QueueEntry[]> {
  const { rows } = await db.query<QueueEntryRow>(SINCE_SQL, [since]);
  return rows.map(queueEntryOf);
}

/** Those of the given tasks that are ready, as index entries. */
export async function readyEntriesOf(db: Queryable, ids: number[]): Promise<QueueEntry[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<QueueEntryRow>(OF_SQL, [ids]);
  return rows.map(queueEntryOf);
}

/** Tasks written since `since` that are not ready (claimed, held, blocked): the rebuild's other catch-up. */
export async function unreadySince(db: Queryable, since: Date): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(UNREADY_SINCE_SQL, [since]);
  return rows.map((r) => Number(r.id));
}
