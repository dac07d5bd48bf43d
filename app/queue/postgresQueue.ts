import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from '../engine/types.js';
import type { ReadyQueue } from './readyQueue.js';

// The claim path's one hot query: walk tasks_ready_order_idx, skip rows another claimer holds.
const NEXT_SQL = `
SELECT t.id FROM tasks t
WHERE t.status = 'pending' AND t.ready_since IS NOT NULL AND NOT t.held
  AND (t.required_pool IS NULL OR t.required_pool = $1)
  AND t.required_capabilities <@ $2::text[]
  AND ($3::bigint IS NULL OR t.project_id = $3)
ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
LIMIT 1
FOR UPDATE SKIP LOCKED`;

const ORDERED_SQL = `
SELECT t.id FROM tasks t
WHERE t.status = 'pending' AND t.ready_since IS NOT NULL AND NOT t.held
  AND ($1::text IS NULL OR t.required_pool IS NULL OR t.required_pool = $1)
  AND ($2::text[] IS NULL OR t.required_capabilities <@ $2::text[])
  AND ($3::bigint IS NULL OR t.project_id = $3)
ORDER BY t.critical_path_hours DESC, t.priority, t.ready_since, t.id
LIMIT $4`;

// Whether any ready task fits a claimer: the check behind an empty answer from the Redis index.
const HAS_READY_SQL = `
SELECT EXISTS (
  SELECT 1 FROM tasks t
  WHERE t.status = 'pending' AND t.ready_since IS NOT NULL AND NOT t.held
    AND (t.required_pool IS NULL OR t.required_pool = $1)
    AND t.required_capabilities <@ $2::text[]
    AND ($3::bigint IS NULL OR t.project_id = $3)
) AS found`;

/** Ordering served by Postgres alone: the embedded default, and the fallback when Redis is down. */
export class PostgresQueue implements ReadyQueue {
  readonly kind = 'postgres' as const;

  async next(tx: Queryable, f: ClaimFilter): Promise<number | null> {
    const { rows } = await tx.query<{ id: number }>(NEXT_SQL, [f.pool, f.capabilities, f.projectId ?? null]);
    return rows[0]?.id ?? null;
  }

  /** Whether Postgres holds a ready task this claimer may take. */
  async hasReady(db: Queryable, f: ClaimFilter): Promise<boolean> {
    const { rows } = await db.query<{ found: boolean }>(HAS_READY_SQL, [f.pool, f.capabilities, f.projectId ?? null]);
    return rows[0]?.found === true;
  }

  async ordered(db: Queryable, f: Partial<ClaimFilter>, limit: number): Promise<number[]> {
    const { rows } = await db.query<{ id: number }>(ORDERED_SQL, [f.pool ?? null, f.capabilities ?? null, f.projectId ?? null, limit]);
    return rows.map((r) => r.id);
  }

  // The ready_since column is the index: nothing else to keep.
  async add(): Promise<void> {}
  async remove(): Promise<void> {}
  async rebuild(db: Queryable): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*) AS n FROM tasks WHERE status = 'pending' AND ready_since IS NOT NULL AND NOT held`,
    );
    return rows[0]?.n ?? 0;
  }
  async intact(): Promise<boolean> {
    return true;
  }
  async repair(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
