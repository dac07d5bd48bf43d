import type { Db } from '../store/db.js';
import type { ClaimFilter } from '../queue/claimFilter.js';
import { QueueUnavailableError, type QueueEntry, type ReadyQueue } from '../queue/readyQueue.js';
import { PostgresQueue } from '../queue/postgresQueue.js';
import { readyEntriesOf } from '../queue/sql/readyEntries.js';
import type { Clock } from './clock.js';
import type { EngineLog } from './context.js';
import { describeError } from '../core/describeError.js';

/** How long claims skip a Redis that just failed or timed out, going straight to Postgres ordering. */
const QUEUE_BACKOFF_MS = 1000;
/** How long one answer of "Postgres has ready work for this claimer" stands (the cross-check's rate limit). */
const READY_CHECK_MS = 250;

/**
 * The engine's side of the ready index: the configured backend, the Postgres ordering it falls
 * back to, and what keeps the two honest (backoff after a failure, tasks popped but not claimed,
 * a dirty flag that asks for a rebuild). Postgres holds the truth; the index only proposes.
 */
export class ReadyIndex {
  readonly fallback = new PostgresQueue();
  private downUntil = 0;
  /** An index write failed or was skipped: the index may be stale until the next rebuild. */
  private dirty = false;
  private rebuilding: Promise<number> | null = null;
  /** Tasks popped from the index whose claim did not commit, to put back once Postgres answers. */
  private readonly stranded = new Set<number>();
  private readonly readyChecks = new Map<string, { at: number; found: boolean }>();

  constructor(
    readonly queue: ReadyQueue,
    private readonly db: Db,
    private readonly now: Clock,
    private readonly log: EngineLog,
  ) {}

  /** Whether the configured backend is being skipped after a failure. */
  isDown(): boolean {
    return this.now() < this.downUntil;
  }

  /** The backend failed or hung: skip it for a moment rather than wait on every claim. */
  markDown(): void {
    this.downUntil = this.now() + QUEUE_BACKOFF_MS;
    this.dirty = true;
  }

  /**
   * A write to the index that must not hold up a status change: skipped while the backend is
   * backed off, and on failure (down, or hung past its command timeout) left to the next
   * rebuild, since Postgres already holds the truth.
   */
  async write(fn: (q: ReadyQueue) => Promise<void>): Promise<void> {
    if (this.isDown()) {
      this.dirty = true;
      return;
    }
    try {
      await fn(this.queue);
    } catch (err) {
      this.markDown();
      this.log.warn({ err: describeError(err) }, 'ready index update failed; it will be rebuilt');
    }
  }

  /** Replaces the entries of these tasks (routing or order changed), or drops them when not ready. */
  async replace(entries: QueueEntry[], gone: number[]): Promise<void> {
    await this.write(async (q) => {
      if (entries.length) await q.remove(entries.map((e) => e.id));
      await q.add(entries);
      await q.remove(gone);
    });
  }

  /** Ready task ids in hand-out order; from Postgres while the backend cannot answer. */
  async ordered(f: Partial<ClaimFilter>, limit: number): Promise<number[]> {
    try {
      return await this.queue.ordered(this.db, f, limit);
    } catch (err) {
      if (!(err instanceof QueueUnavailableError)) throw err;
      return this.fallback.ordered(this.db, f, limit);
    }
  }

  /** Puts tasks whose claim failed after the pop back in the index, once Postgres answers again. */
  async returnStranded(): Promise<void> {
    if (!this.stranded.size) return;
    const ids = [...this.stranded];
    try {
      await this.queue.add(await readyEntriesOf(this.db, ids));
      for (const id of ids) this.stranded.delete(id);
    } catch (err) {
      // Still down: they stay listed, and the empty-answer check and the periodic repair cover them meanwhile.
      this.log.warn({ err: describeError(err), tasks: ids.length }, 'could not yet return popped tasks to the ready index');
    }
  }

  /** Tasks out of the index that may still be ready: back in if Postgres says they are. */
  async requeueIfReady(ids: number[]): Promise<void> {
    for (const id of ids) this.stranded.add(id);
    await this.returnStranded();
  }

  /**
   * After an empty answer from the index: whether Postgres holds ready work this claimer may
   * take. One query per claimer route per READY_CHECK_MS, shared by every claimer asking.
   */
  async missesWork(filter: ClaimFilter): Promise<boolean> {
    const key = `${filter.pool}|${[...filter.capabilities].sort().join(',')}|${filter.projectId ?? ''}`;
    const hit = this.readyChecks.get(key);
    if (hit && this.now() - hit.at < READY_CHECK_MS) return hit.found;
    const found = await this.fallback.hasReady(this.db, filter);
    if (this.readyChecks.size > 10_000) this.readyChecks.clear();
    this.readyChecks.set(key, { at: this.now(), found });
    return found;
  }

  /** Postgres ordering found nothing after all: earlier "there is work" answers are stale. */
  forgetReadyChecks(): void {
    this.readyChecks.clear();
  }

  /** Whether the index still holds what the last rebuild wrote. */
  intact(): Promise<boolean> {
    return this.queue.intact();
  }

  /** Rebuilds the index from Postgres; concurrent callers share one rebuild. */
  rebuild(): Promise<number> {
    this.rebuilding ??= this.queue.rebuild(this.db).finally(() => {
      this.rebuilding = null;
    });
    return this.rebuilding;
  }

  /**
   * The periodic check of the index: rebuilt when it is gone or a write to it failed, otherwise
   * ready tasks it lacks are put back. Returns what was done.
   */
  async maintain(opts: { rebuild?: boolean } = {}): Promise<{ rebuilt: boolean; entries: number; missing: number; reason?: string }> {
    const intact = await this.queue.intact().catch(() => false);
    const dirty = this.dirty;
    if (!intact || dirty || opts.rebuild) {
      this.dirty = false;
      try {
        const entries = await this.rebuild();
        this.stranded.clear();
        return { rebuilt: true, entries, missing: 0, reason: !intact ? 'missing' : dirty ? 'writes failed' : 'scheduled' };
      } catch (err) {
        if (dirty) this.dirty = true;
        throw err;
      }
    }
    await this.returnStranded();
    return { rebuilt: false, entries: 0, missing: await this.queue.repair(this.db) };
  }

  /** Rebuilds when this process's own writes failed (for processes that do not lead the periodic round). */
  async repairIfDirty(): Promise<void> {
    if (!this.dirty || this.isDown()) return;
    await this.maintain();
  }
}
