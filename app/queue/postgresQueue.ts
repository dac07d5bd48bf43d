import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import { proposalOf, type ClaimPorts, type ClaimStep, type Proposal } from './claimStrategy.js';
import { CONFLICT_WINDOW, chooseAvoidingConflicts } from './chooseAvoidingConflicts.js';
import { readyWindow } from './sql/readyWindow.js';
import type { ReadyQueue } from './readyQueue.js';
import { lockedClaim } from './lockedClaim.js';
import { nextReady, nextReadyUnlessFootprints } from './sql/nextReady.js';
import { hasReady } from './sql/hasReady.js';
import { orderedReady } from './sql/orderedReady.js';
import { readyCounts } from './sql/readyCounts.js';

/** Ordering served by Postgres alone: the embedded default, and the fallback when Redis is down. */
export class PostgresQueue implements ReadyQueue {
  readonly kind = 'postgres' as const;

  next(tx: Queryable, f: ClaimFilter): Promise<number | null> {
    return nextReady(tx, f);
  }

  claim<C>(ports: ClaimPorts<C>, agentId: number, projectId: number | undefined): Promise<ClaimStep<C>> {
    return lockedClaim((tx, f) => this.propose(tx, f), ports, agentId, projectId);
  }

  /**
   * What this claimer should take. When a task of the claimer's project (or of any project, for a
   * claim that names none) names files, the choice looks at the top of the queue (unlocked) and
   * avoids tasks overlapping work under way; the claim statement re-checks the chosen row, so a
   * task taken meanwhile is refused and the engine tries again. Otherwise the usual locked top row
   * (SKIP LOCKED), which keeps concurrent claimers apart without a retry. Which of the two is one
   * statement (projects.footprint_tasks, migration 0021): the plain claim asks nothing extra.
   */
  async propose(tx: Queryable, f: ClaimFilter): Promise<Proposal> {
    const top = await nextReadyUnlessFootprints(tx, f);
    if (top.footprints) return chooseAvoidingConflicts(tx, await readyWindow(tx, f, CONFLICT_WINDOW));
    return proposalOf(top.id);
  }

  /** Whether Postgres holds a ready task this claimer may take. */
  hasReady(db: Queryable, f: ClaimFilter): Promise<boolean> {
    return hasReady(db, f);
  }

  ordered(db: Queryable, f: Partial<ClaimFilter>, limit: number): Promise<number[]> {
    return orderedReady(db, f, limit);
  }

  // The generated tasks.ready column is the index: nothing else to keep.
  async add(): Promise<void> {}
  async remove(): Promise<void> {}
  async rebuild(db: Queryable): Promise<number> {
    return (await readyCounts(db)).reduce((n, c) => n + c.n, 0);
  }
  async intact(): Promise<boolean> {
    return true;
  }
  async repair(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}
