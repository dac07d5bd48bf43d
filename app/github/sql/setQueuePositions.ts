import type { Queryable } from '../../store/db.js';

/** Positions (and queued entries' waits) of many entries in one statement. */
export async function setQueuePositions(db: Queryable, items: { id: number; position: number; waitingFor: string | null }[]): Promise<void> {
  await db.query(
    `UPDATE merge_queue q SET position = x.position, waiting_for = COALESCE(x.waiting_for, CASE WHEN q.state = 'queued' THEN NULL ELSE q.waiting_for END)
     FROM unnest($1::bigint[], $2::int[], $3::text[]) AS x(id, position, waiting_for)
     WHERE q.id = x.id AND (q.position IS DISTINCT FROM x.position OR (q.state = 'queued' AND q.waiting_for IS DISTINCT FROM x.waiting_for))`,
    [items.map((i) => i.id), items.map((i) => i.position), items.map((i) => i.waitingFor)],
  );
}
