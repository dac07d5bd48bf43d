import type { Db } from '../store/db.js';
import type { Engine } from './engine.js';
import { pruneClaimRequests } from './sql/pruneClaimRequests.js';
import { tryPeriodicLock } from './sql/tryPeriodicLock.js';
import { describeError } from '../core/describeError.js';

export type PeriodicJob = (engine: Engine) => Promise<unknown>;

/** A job a part of the server contributes, for the boot module (app/jobs.ts) to register. */
export interface PeriodicJobSpec {
  name: string;
  /** Runs every this many sweep rounds (SWEEP_INTERVAL_SECONDS each). */
  everyRounds: number;
  run: () => Promise<unknown>;
}

/**
 * Background work that must run in one orchestrator process at a time: the lease sweep, the
 * readiness refresh and the ready-index rebuild, plus jobs others register (snapshots). Each
 * round takes a transaction-scoped advisory lock, so a process that dies releases it at once.
 */
export class Periodic {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private rounds = 0;
  private readonly jobs = new Map<string, { every: number; job: PeriodicJob }>();

  constructor(
    private readonly o: {
      db: Db;
      engine: Engine;
      log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
      intervalMs: number;
      /** Full rebuild of the ready index every this many rounds (and whenever it is found missing). */
      rebuildEvery?: number;
    },
  ) {}

  /** Adds a job that runs every `everyRounds` rounds, in the leader only. */
  register(name: string, everyRounds: number, job: PeriodicJob): void {
    this.jobs.set(name, { every: Math.max(1, everyRounds), job });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round; returns false when another process holds the lock. */
  async runOnce(): Promise<boolean> {
    if (this.running) {
      await this.running;
      return true;
    }
    let led = false;
    const round = (async () => {
      try {
        led = await this.asLeader(() => this.round());
        if (!led) await this.o.engine.repairQueueIfDirty();
      } catch (err) {
        this.o.log.warn({ err: describeError(err) }, 'periodic round failed');
      }
    })();
    this.running = round;
    await round;
    this.running = null;
    return led;
  }

  private async round(): Promise<void> {
    const { engine } = this.o;
    this.rounds++;
    const expired = await engine.sweepLeases();
    if (expired) this.o.log.info({ expired }, 'leases expired');
    await engine.refreshAll();
    // The index is checked every round: gone (restart, FLUSHALL), written to while Redis failed,
    // or short of entries (a pop whose claim never committed) is repaired now.
    const index = await engine.maintainQueue({ rebuild: this.rounds % (this.o.rebuildEvery ?? 20) === 0 });
    if (index.rebuilt && index.reason !== 'scheduled') this.o.log.warn({ entries: index.entries, reason: index.reason }, 'ready index rebuilt from Postgres');
    if (index.missing) this.o.log.warn({ missing: index.missing }, 'ready index was missing entries: put back from Postgres');
    await pruneClaimRequests(this.o.db);
    for (const [name, j] of this.jobs) {
      if (this.rounds % j.every !== 0 && this.rounds !== 1) continue;
      try {
        await j.job(engine);
      } catch (err) {
        this.o.log.warn({ job: name, err: describeError(err) }, 'periodic job failed');
      }
    }
  }

  private async asLeader(fn: () => Promise<void>): Promise<boolean> {
    // PGlite is one process with one connection: it is always the leader, and a lock held by a
    // transaction there would block the round's own queries.
    if (this.o.db.kind === 'pglite') {
      await fn();
      return true;
    }
    return this.o.db.transaction(async (tx) => {
      if (!(await tryPeriodicLock(tx))) return false;
      await fn();
      return true;
    });
  }
}
