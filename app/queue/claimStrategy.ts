import type { Db, Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';

/**
 * How one claim attempt ended. `missed`: the index had nothing but Postgres has ready work for
 * this claimer (the engine then claims through Postgres ordering). `refused`: Postgres refused
 * what the index proposed (claimed elsewhere, held, re-routed).
 */
export type ClaimStep<C> = { kind: 'ok'; claim: C } | { kind: 'empty'; reason?: 'all-overlap' } | { kind: 'refused'; taskId: number } | { kind: 'full' } | { kind: 'missed' };

/**
 * What a backend proposes to claim: a task, or nothing and why. `all-overlap`: ready tasks exist
 * but each overlaps work under way and `scheduling.conflicts` says to wait (the claimer hears
 * "nothing ready", the reason goes to logs and metrics). `conflictsChecked`: the task came out of
 * the conflict-aware choice; without it, a claim that does not lock its pick first (the Redis
 * path) refuses a task that names files, since the choice might have passed it over.
 */
export type Proposal = { id: number; conflictsChecked?: boolean } | { id: null; reason: 'none-ready' | 'all-overlap' };

/** The proposal of a backend that only knows the top task (or none). */
export const proposalOf = (id: number | null): Proposal => (id === null ? { id: null, reason: 'none-ready' } : { id });

/** The agent a claim is for, as its row says. */
export interface Claimer {
  id: number;
  name: string;
  pool: string;
  labels: string[];
  capacity: number;
  active: boolean;
}

/**
 * What a backend's claim strategy needs from the engine: the claimer's row and the statements that
 * commit a claim (Postgres decides; a backend only proposes). `C` is the engine's claim.
 */
export interface ClaimPorts<C> {
  db: Db;
  /** Inside `tx`: the claimer's row locked (serialises one agent's claims) and how many assignments it holds. */
  lockClaimer(tx: Queryable, agentId: number): Promise<Claimer & { held: number }>;
  /** The claimer as recently read (cached briefly); `fresh` reads it again. */
  claimer(agentId: number, fresh?: boolean): Promise<Claimer>;
  /** Forgets the cached row (it turned out stale). */
  forgetClaimer(agentId: number): void;
  /** Commits the claim of `taskId` for a claimer locked in `tx`; null when Postgres refuses. */
  commitLocked(tx: Queryable, taskId: number, claimer: Claimer, filter: ClaimFilter): Promise<C | null>;
  /**
   * Commits in one statement that checks the agent's current row itself; null when refused. Unless
   * `conflictsChecked`, a task that names files is refused too (the pop did not look at conflicts).
   */
  commitChecked(taskId: number, agentId: number, projectId: number | undefined, conflictsChecked: boolean): Promise<C | null>;
  /** A task taken out of the index whose claim did not commit: back to the index, now or later. */
  strand(taskId: number): Promise<void>;
  /** A task Postgres refused: back to the index if it is in fact still ready. */
  requeueIfReady(taskId: number): Promise<void>;
  /** After an empty answer from an index: whether Postgres holds ready work for this claimer. */
  indexMissesWork(filter: ClaimFilter): Promise<boolean>;
  /** What the capacity trigger raised, if it was that. */
  capacityRefusal(err: unknown): 'full' | 'inactive' | null;
  /** The error for a deactivated claimer. */
  deactivated(claimer: Claimer): Error;
}
