import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import type { ClaimPorts, ClaimStep } from './claimStrategy.js';

export type { ClaimFilter } from './claimFilter.js';

/** What the index needs to know about a ready task to order and route it. */
export interface QueueEntry {
  id: number;
  projectId: number;
  criticalPathHours: number;
  priority: number;
  readySince: Date | null;
  requiredPool: string | null;
  requiredCapabilities: string[];
}

/** A tasks row as the index reads it (the columns every queue query selects). */
export interface QueueEntryRow {
  id: number;
  project_id: number;
  critical_path_hours: number;
  priority: number;
  ready_since: Date | null;
  required_pool: string | null;
  required_capabilities: string[] | null;
}

export const queueEntryOf = (r: QueueEntryRow): QueueEntry => ({
  id: r.id,
  projectId: r.project_id,
  criticalPathHours: Number(r.critical_path_hours),
  priority: r.priority,
  readySince: r.ready_since,
  requiredPool: r.required_pool,
  requiredCapabilities: r.required_capabilities ?? [],
});

/**
 * The ordering of ready tasks. Postgres stays the source of truth: a backend only proposes the
 * next candidate, and the engine commits the claim in Postgres, which refuses anything stale.
 */
export interface ReadyQueue {
  readonly kind: 'redis' | 'postgres';
  /**
   * Proposes the best ready task for the filter, or null. Called inside the claim transaction:
   * the Postgres backend locks the row it returns (SKIP LOCKED); the Redis backend pops it.
   */
  next(tx: Queryable, filter: ClaimFilter): Promise<number | null>;
  /**
   * One claim attempt for the agent, the way this backend does it (lockedClaim.ts for Postgres,
   * poppedClaim.ts for Redis); the engine supplies the statements that commit it.
   */
  claim<C>(ports: ClaimPorts<C>, agentId: number, projectId: number | undefined): Promise<ClaimStep<C>>;
  /** Tasks that became ready. */
  add(entries: QueueEntry[]): Promise<void>;
  /** Tasks that stopped being ready (claimed, held, cancelled, blocked again). */
  remove(ids: number[]): Promise<void>;
  /** Replaces the whole index with what Postgres says is ready; returns how many entries. */
  rebuild(db: Queryable): Promise<number>;
  /** Whether the index still holds what the last rebuild wrote (false after FLUSHALL or a restart). */
  intact(): Promise<boolean>;
  /**
   * Puts back ready tasks the index lacks (a lost write, a pop whose claim never committed);
   * returns how many. Cheap when nothing is missing: one count per project on each side.
   */
  repair(db: Queryable): Promise<number>;
  /** Ready task ids in hand-out order, without removing them. */
  ordered(db: Queryable, filter: Partial<ClaimFilter>, limit: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Raised by a backend that cannot answer (Redis down); the engine then falls back to Postgres ordering. */
export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}
