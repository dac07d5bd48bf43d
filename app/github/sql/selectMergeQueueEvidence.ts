import type { Queryable } from '../../store/db.js';

type Id = number | string;

const SQL = `SELECT x.task_id, x.type, x.ref, x.url, x.metadata
  FROM unnest($1::bigint[]) AS q(id)
  CROSS JOIN LATERAL (SELECT task_id, type, ref, url, metadata FROM evidence
                      WHERE task_id = q.id AND type IN ('pr', 'review', 'check', 'commit')
                      ORDER BY created_at DESC, id DESC LIMIT 300) x`;

/** The tasks' recent pr, review, check and commit evidence (300 per task, newest first). */
export function selectMergeQueueEvidence(db: Queryable, taskIds: number[]) {
  return db.query<{ task_id: Id; type: string; ref: string | null; url: string | null; metadata: Record<string, unknown> | null }>(SQL, [taskIds]);
}
