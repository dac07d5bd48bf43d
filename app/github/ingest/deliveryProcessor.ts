import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EmitterWebhookEvent } from '@octokit/webhooks';
import { describeError } from '../../core/describeError.js';
import { webhookMetrics } from '../../metrics/webhookMetrics.js';
import type { Db } from '../../store/db.js';
import type { Lane } from './receiveDelivery.js';
import { ensureLanes } from '../sql/ensureLanes.js';
import { claimLane } from '../sql/claimLane.js';
import { claimNextDelivery, type ClaimedDelivery } from '../sql/claimNextDelivery.js';
import { releaseLane } from '../sql/releaseLane.js';
import { markDeliveryProcessed } from '../sql/markDeliveryProcessed.js';
import { markDeliveryFailed } from '../sql/markDeliveryFailed.js';
import { renewLanes } from '../sql/renewLanes.js';
import { renewDeliveryClaims } from '../sql/renewDeliveryClaims.js';

/**
 * Drains webhook_deliveries lane by lane (see ./receiveDelivery.ts for how deliveries and lanes
 * are stored): each delivery goes to Probot once per successful run; failures are retried with
 * backoff; a lane's holder renews its lease, and a dead holder's lanes move once it lapses.
 * The statements are in app/github/sql/.
 */

export interface Receiver {
  receive(event: EmitterWebhookEvent): Promise<void>;
}

export interface DeliveryProcessorOptions {
  db: Db;
  /** Usually the Probot instance. */
  probot: Receiver;
  log?: { info?(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void } | undefined;
  /** Attempts before a delivery is left for a person (default 5). */
  maxAttempts?: number;
  /** How long a lane's hold lasts unless renewed (default 10 s): how soon a dead holder's work moves. */
  leaseMs?: number;
  /** How often a live holder renews its leases (default 3 s). */
  renewMs?: number;
  /** Safety poll for deliveries stored by another process and lanes left by a dead one (default 2 s; 0 disables). */
  pollMs?: number;
  /** Lanes (installation × kind) processed at once (default 8); within a lane, one delivery at a time. */
  concurrency?: number;
  /** Deliveries a lane's holder handles before giving the lane up for others (default 50). */
  batch?: number;
  now?: () => number;
}

interface LaneKey {
  installationKey: number;
  lane: Lane;
}

/** Drains webhook_deliveries: each unprocessed delivery goes to Probot once; failures are retried. */
export class DeliveryProcessor {
  /** Who holds a lane or a delivery: host, process and instance, for people reading the table. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly db: Db;
  private readonly probot: Receiver;
  private readonly log: DeliveryProcessorOptions['log'];
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly batch: number;
  private readonly now: () => number;
  private readonly held = new Map<string, LaneKey & { lost: boolean; delivery: string | null }>();
  private timer: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;
  /** A drain was asked for while this one ran: go round once more unless a claim since has looked. */
  private again = false;
  private busy = 0;
  private waiting: (() => void)[] = [];
  private stopped = false;

  constructor(o: DeliveryProcessorOptions) {
    this.db = o.db;
    this.probot = o.probot;
    this.log = o.log;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.leaseMs = o.leaseMs ?? 10_000;
    this.renewMs = o.renewMs ?? 3_000;
    this.pollMs = o.pollMs ?? 2_000;
    this.concurrency = Math.max(1, o.concurrency ?? 8);
    this.batch = Math.max(1, o.batch ?? 50);
    this.now = o.now ?? Date.now;
  }

  /** Resumes whatever a previous process left unprocessed, then polls. */
  start(): Promise<number> {
    this.stopped = false;
    if (this.pollMs > 0 && !this.timer) {
      this.timer = setInterval(() => this.kick(), this.pollMs);
      this.timer.unref();
    }
    return this.drain();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.signal();
    await this.running?.catch(() => undefined);
  }

  /** Asks for a drain soon; never throws, never waits. */
  kick(): void {
    if (this.stopped) return;
    void this.drain().catch((err: unknown) => this.log?.error({ err: describeError(err) }, 'webhook drain failed'));
  }

  /** Processes until nothing is claimable; resolves with how many deliveries it handled. */
  drain(): Promise<number> {
    if (this.running) {
      // New deliveries (maybe of a lane nobody holds yet): idle workers look again.
      this.again = true;
      this.signal();
      return this.running;
    }
    const run = (async () => {
      let total = 0;
      this.startRenewing();
      try {
        do {
          await ensureLanes(this.db, this.maxAttempts, this.now());
          const workers = Array.from({ length: this.concurrency }, () => this.worker());
          total += (await Promise.all(workers)).reduce((a, b) => a + b, 0);
        } while (this.again && !this.stopped);
      } finally {
        this.stopRenewing();
      }
      return total;
    })();
    this.running = run;
    // Only this run can be running until it ends: a drain asked for meanwhile returns it.
    void run.finally(() => {
      this.running = null;
    }).catch(() => undefined);
    return run;
  }

  /**
   * Takes free lanes one after another. With nothing to take it waits while other workers are
   * busy (their lanes, or a kick, may bring more) and ends once every worker is idle.
   */
  private async worker(): Promise<number> {
    let n = 0;
    while (!this.stopped) {
      // The claim below sees every lane stored so far, so earlier requests for another look are
      // answered; one made while the last claim is in flight stays set and the drain goes round
      // again. (Receipt makes a new lane's row; ensureLanes at each round covers rows stored otherwise.)
      this.again = false;
      // Busy from the claim on: a worker that finds nothing ends only when no other worker is
      // claiming or running a lane (either may bring more work within this round).
      this.busy++;
      let lane: LaneKey | null = null;
      try {
        lane = await this.claimLane();
        if (lane) n += await this.runLane(lane);
      } finally {
        this.busy--;
        if (lane) this.signal();
      }
      if (lane) continue;
      if (this.busy === 0) {
        this.signal();
        break;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return n;
  }

  private signal(): void {
    const w = this.waiting.splice(0);
    for (const resolve of w) resolve();
  }

  private async claimLane(): Promise<LaneKey | null> {
    const now = this.now();
    const row = await claimLane(this.db, { maxAttempts: this.maxAttempts, nowMs: now, owner: this.owner, leaseUntilMs: now + this.leaseMs });
    return row ? { installationKey: row.installationKey, lane: row.lane as Lane } : null;
  }

  /** Runs a held lane's deliveries in order, then lets the lane go. */
  private async runLane(key: LaneKey): Promise<number> {
    const id = `${key.installationKey}:${key.lane}`;
    const hold = { ...key, lost: false, delivery: null as string | null };
    this.held.set(id, hold);
    let n = 0;
    try {
      while (n < this.batch && !this.stopped && !hold.lost) {
        const now = this.now();
        const row = await claimNextDelivery(this.db, {
          maxAttempts: this.maxAttempts,
          nowMs: now,
          owner: this.owner,
          leaseUntilMs: now + this.leaseMs,
          installationKey: key.installationKey,
          lane: key.lane,
        });
        if (!row) break;
        hold.delivery = row.delivery_id;
        await this.process(row);
        hold.delivery = null;
        n++;
      }
    } finally {
      this.held.delete(id);
      await releaseLane(this.db, key.installationKey, key.lane, this.owner).catch((err: unknown) => this.log?.warn({ err: describeError(err) }, 'webhook lane release failed; its lease will lapse'));
    }
    // More may be due than one batch: the worker's next claim takes the lane again (or another).
    return n;
  }

  private async process(row: ClaimedDelivery): Promise<void> {
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
    try {
      await this.probot.receive({ id: row.delivery_id, name: row.event, payload } as EmitterWebhookEvent);
      await markDeliveryProcessed(this.db, row.delivery_id);
      webhookMetrics.processed(row.event);
    } catch (err) {
      const message = describeError(err).slice(0, 1000);
      const attempts = Number(row.attempts);
      const backoff = Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));
      await markDeliveryFailed(this.db, row.delivery_id, message, this.now() + backoff);
      webhookMetrics.failed(row.event);
      // One line per failed attempt, with no payload in it: whatever the payload, the line is small.
      const line = { delivery: row.delivery_id, event: row.event, attempts, err: message };
      if (attempts >= this.maxAttempts) this.log?.error(line, 'webhook delivery failed; giving up (attempts exhausted)');
      else this.log?.warn(line, 'webhook delivery failed; will retry');
    }
  }

  /** While a drain runs, renews the lease of every lane it holds; a lane renewed by nobody lapses. */
  private startRenewing(): void {
    if (this.renewer) return;
    this.renewer = setInterval(() => void this.renew(), this.renewMs);
    this.renewer.unref();
  }

  private stopRenewing(): void {
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = undefined;
  }

  private async renew(): Promise<void> {
    if (!this.held.size) return;
    const until = this.now() + this.leaseMs;
    try {
      const rows = await renewLanes(this.db, this.owner, until, this.now());
      const kept = new Set(rows.map((r) => `${r.installationKey}:${r.lane}`));
      const inFlight: string[] = [];
      for (const [id, hold] of this.held) {
        // Lapsed (this process stalled past its lease) and perhaps taken over: finish the
        // current delivery, take no further one from this lane.
        if (!kept.has(id)) hold.lost = true;
        else if (hold.delivery) inFlight.push(hold.delivery);
      }
      if (inFlight.length) {
        await renewDeliveryClaims(this.db, inFlight, until);
      }
    } catch (err) {
      this.log?.warn({ err: describeError(err) }, 'webhook lease renewal failed');
    }
  }
}
