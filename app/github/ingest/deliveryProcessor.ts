import { createHash, randomBytes } from 'node:crypto';
import { webhookMetrics } from '../../metrics/webhookMetrics.js';
import { hostname } from 'node:os';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import type { Db } from '../../store/db.js';

/**
 * Durable, idempotent webhook ingestion. A delivery is verified, written to webhook_deliveries
 * (keyed by X-GitHub-Delivery, and by a hash of event name and body so a replay under a new id
 * is a duplicate) and acknowledged; the DeliveryProcessor then drains the table and hands each
 * delivery to Probot exactly once per successful run. Nothing GitHub's API does can slow the
 * acknowledgement down: receipt is one INSERT.
 *
 * Deliveries run in lanes: one per installation and kind ('write' for events whose handlers
 * write to GitHub, 'read' for the evidence events). A lane has one holder at a time (a short
 * lease in webhook_lanes, renewed while it works), which keeps each installation's deliveries in
 * order; many lanes run at once, so one installation's queue never holds up another's, and
 * check or run evidence never waits behind comments (migration 0009).
 */

export interface IncomingDelivery {
  id: string;
  name: string;
  signature: string;
  rawBody: Buffer | string;
}

export type ReceiveOutcome =
  | { status: 'stored'; id: string }
  | { status: 'duplicate'; id: string }
  | { status: 'bad_signature' }
  | { status: 'bad_request'; reason: string };

const verifiers = new Map<string, Webhooks>();
function verifierFor(secret: string): Webhooks {
  let v = verifiers.get(secret);
  if (!v) {
    v = new Webhooks({ secret });
    if (verifiers.size > 8) verifiers.clear();
    verifiers.set(secret, v);
  }
  return v;
}

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,200}$/;
// GitHub's event names are lower-case words joined by underscores, some with digits (projects_v2_item).
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;

export type Lane = 'read' | 'write';

/**
 * Events whose handlers write to GitHub as their main work (replies, reactions, labels, plan
 * sync, check runs, dispatch). Everything else mostly records evidence and state (checks, runs,
 * jobs, reviews, PR state) or has no handler at all, and runs in the 'read' lane; when such an
 * event does write (a merged PR dispatching the next task), it shares the installation's
 * throttling limiter, not the write lane's queue of deliveries.
 */
const WRITE_LANE_EVENTS = new Set(['issues', 'issue_comment', 'push', 'merge_group', 'installation', 'installation_repositories']);

export function laneOf(event: string): Lane {
  return WRITE_LANE_EVENTS.has(event) ? 'write' : 'read';
}

// jsonb refuses NUL characters and lone UTF-16 surrogates; both only appear as escapes in the
// raw text (\u0000, \ud800), so only bodies that contain such an escape are rewritten.
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Verifies and stores one delivery. A wrongly signed delivery writes nothing. */
export async function receiveDelivery(db: Db, d: IncomingDelivery, secret: string): Promise<ReceiveOutcome> {
  if (!DELIVERY_ID.test(d.id)) return { status: 'bad_request', reason: 'X-GitHub-Delivery is missing or malformed (1-200 of A-Z a-z 0-9 . _ : -)' };
  if (!EVENT_NAME.test(d.name)) return { status: 'bad_request', reason: 'X-GitHub-Event is missing or malformed (a lower-case event name such as issues or projects_v2_item)' };
  if (!d.signature) return { status: 'bad_signature' };
  const text = typeof d.rawBody === 'string' ? d.rawBody : d.rawBody.toString('utf8');
  let ok = false;
  try {
    ok = await verifierFor(secret).verify(text, d.signature);
  } catch {
    ok = false;
  }
  if (!ok) return { status: 'bad_signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { status: 'bad_request', reason: 'body is not valid JSON' };
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return { status: 'bad_request', reason: 'body must be a JSON object' };
  }
  const p = payload as { action?: unknown; installation?: unknown };
  const action = typeof p.action === 'string' ? p.action.slice(0, 64) : null;
  const inst = installationOf(p.installation);
  if (!inst.ok) return { status: 'bad_request', reason: inst.reason };
  const stored = UNSTORABLE_ESCAPE.test(text) ? JSON.stringify(storable(payload)) : text;
  // Same event, same bytes: a replay of a delivery already stored, whatever id it now carries.
  const bodyHash = createHash('sha256').update(d.name).update('\n').update(text).digest('hex');
  let res;
  try {
    // One statement: the delivery, and its lane's row if this is the lane's first delivery.
    res = await db.query<{ delivery_id: string }>(
      `WITH stored AS (
         INSERT INTO webhook_deliveries (delivery_id, event, action, installation_id, payload, body_hash, lane)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         ON CONFLICT DO NOTHING
         RETURNING delivery_id, installation_id, lane),
       lane AS (
         INSERT INTO webhook_lanes (installation_key, lane) SELECT COALESCE(installation_id, 0), lane FROM stored
         ON CONFLICT DO NOTHING)
       SELECT delivery_id FROM stored`,
      [d.id, d.name, action, inst.id, stored, bodyHash, laneOf(d.name)],
    );
  } catch (err) {
    // Class 22 (a value jsonb cannot take) and 54 (nesting past the server's stack limit) are
    // the payload's own: it would fail the same way on every redelivery, so it is a 400.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'))) {
      return { status: 'bad_request', reason: `payload cannot be stored: ${(err as Error).message.slice(0, 200)}` };
    }
    throw err;
  }
  return res.rows.length ? { status: 'stored', id: d.id } : { status: 'duplicate', id: d.id };
}

/** GitHub installation ids are positive integers; anything else could never be used or stored. */
function installationOf(v: unknown): { ok: true; id: number | null } | { ok: false; reason: string } {
  if (v === undefined || v === null) return { ok: true, id: null };
  if (typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'installation must be an object with a numeric id' };
  const id = (v as { id?: unknown }).id;
  if (id === undefined) return { ok: true, id: null };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    return { ok: false, reason: 'installation.id must be a positive whole number no larger than 9007199254740991' };
  }
  return { ok: true, id };
}

/** The payload with NUL characters dropped and lone surrogates replaced by U+FFFD. */
function storable(v: unknown): unknown {
  if (typeof v === 'string') return v.split('\u0000').join('').replace(LONE_SURROGATE, '\uFFFD');
  if (Array.isArray(v)) return v.map(storable);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [storable(k) as string, storable(x)]));
  return v;
}

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface WebhookRouteOptions {
  db: Db;
  secret: string;
  /** Told after each stored delivery so it processes at once rather than on the next poll. */
  processor?: Pick<DeliveryProcessor, 'kick'> | undefined;
  log?: { warn(obj: object, msg?: string): void } | undefined;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string {
  const v = headers[name] ?? headers[name.toLowerCase()] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/**
 * The webhook endpoint as a plain function, for any HTTP framework: mount it at
 * `/api/github/webhooks` with the raw body (a Buffer, before any JSON parsing) and the headers.
 * 202 stored (or already stored), 400 missing headers or bad JSON, 401 bad signature.
 */
export function webhookRoute(opts: WebhookRouteOptions) {
  return async (rawBody: Buffer | string | undefined, headers: Record<string, string | string[] | undefined>): Promise<HttpAnswer> => {
    const id = header(headers, 'x-github-delivery');
    const name = header(headers, 'x-github-event');
    const signature = header(headers, 'x-hub-signature-256');
    if (!id || !name) return { status: 400, body: { error: 'missing X-GitHub-Delivery or X-GitHub-Event header' } };
    if (!signature) return { status: 401, body: { error: 'missing X-Hub-Signature-256 header' } };
    if (rawBody === undefined) return { status: 400, body: { error: 'empty body' } };
    let out: ReceiveOutcome;
    try {
      out = await receiveDelivery(opts.db, { id, name, signature, rawBody }, opts.secret);
    } catch (err) {
      opts.log?.warn({ err: (err as Error).message, delivery: id }, 'webhook delivery could not be stored');
      return { status: 503, body: { error: 'delivery could not be stored; GitHub will let you redeliver it' } };
    }
    switch (out.status) {
      case 'bad_signature':
        return { status: 401, body: { error: 'signature does not match the payload and the webhook secret' } };
      case 'bad_request':
        return { status: 400, body: { error: out.reason } };
      case 'stored':
        opts.processor?.kick();
        return { status: 202, body: { delivery: out.id, stored: true } };
      case 'duplicate':
        return { status: 202, body: { delivery: out.id, stored: false, duplicate: true } };
    }
  };
}

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

// Times are the processor's clock (milliseconds, $-parameters), so tests can move it.
const DUE = `processed_at IS NULL AND attempts < $1 AND (next_attempt_at IS NULL OR next_attempt_at <= to_timestamp($2 / 1000.0))`;

/** Lane rows for every lane with due deliveries, so the claim below has a row to lock. */
const ENSURE_LANES_SQL = `
INSERT INTO webhook_lanes (installation_key, lane)
SELECT DISTINCT COALESCE(installation_id, 0), lane FROM webhook_deliveries WHERE ${DUE}
ON CONFLICT DO NOTHING`;

/** Takes one free lane (never held, released, or its holder's lease lapsed) that has due work. */
const CLAIM_LANE_SQL = `
UPDATE webhook_lanes l SET owner = $3, lease_until = to_timestamp($4 / 1000.0)
FROM (
  SELECT installation_key, lane FROM webhook_lanes w
  WHERE (w.lease_until IS NULL OR w.lease_until <= to_timestamp($2 / 1000.0))
    AND EXISTS (SELECT 1 FROM webhook_deliveries d
                WHERE COALESCE(d.installation_id, 0) = w.installation_key AND d.lane = w.lane AND d.processed_at IS NULL AND d.attempts < $1
                  AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= to_timestamp($2 / 1000.0)))
  ORDER BY w.lease_until NULLS FIRST, w.installation_key, w.lane
  LIMIT 1
  FOR UPDATE SKIP LOCKED) free
WHERE l.installation_key = free.installation_key AND l.lane = free.lane
  AND (l.lease_until IS NULL OR l.lease_until <= to_timestamp($2 / 1000.0))
RETURNING l.installation_key, l.lane`;

/**
 * The lane's oldest due delivery, while this processor still holds the lane. A delivery a dead
 * holder had claimed is due again: the lane lease, not the delivery, says who may run it.
 */
const CLAIM_NEXT_SQL = `
UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = to_timestamp($4 / 1000.0), claimed_by = $3
WHERE delivery_id = (
  SELECT delivery_id FROM webhook_deliveries
  WHERE COALESCE(installation_id, 0) = $5 AND lane = $6 AND ${DUE}
    AND EXISTS (SELECT 1 FROM webhook_lanes WHERE installation_key = $5 AND lane = $6 AND owner = $3
                AND lease_until > to_timestamp($2 / 1000.0))
  ORDER BY received_at, delivery_id
  LIMIT 1
  FOR UPDATE SKIP LOCKED)
  AND processed_at IS NULL
RETURNING delivery_id, event, payload, attempts`;

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
    void this.drain().catch((err: unknown) => this.log?.error({ err: (err as Error).message }, 'webhook drain failed'));
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
          this.again = false;
          await this.db.query(ENSURE_LANES_SQL, [this.maxAttempts, this.now()]);
          const workers = Array.from({ length: this.concurrency }, () => this.worker());
          total += (await Promise.all(workers)).reduce((a, b) => a + b, 0);
        } while (this.again && !this.stopped);
      } finally {
        this.stopRenewing();
      }
      return total;
    })();
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
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
      // Receipt makes a new lane's row; ENSURE_LANES_SQL at each round covers rows stored otherwise.
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
    const { rows } = await this.db.query<{ installation_key: number | string; lane: Lane }>(CLAIM_LANE_SQL, [
      this.maxAttempts,
      now,
      this.owner,
      now + this.leaseMs,
    ]);
    const row = rows[0];
    return row ? { installationKey: Number(row.installation_key), lane: row.lane } : null;
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
        const { rows } = await this.db.query<{ delivery_id: string; event: string; payload: unknown; attempts: number }>(CLAIM_NEXT_SQL, [
          this.maxAttempts,
          now,
          this.owner,
          now + this.leaseMs,
          key.installationKey,
          key.lane,
        ]);
        const row = rows[0];
        if (!row) break;
        hold.delivery = row.delivery_id;
        await this.process(row);
        hold.delivery = null;
        n++;
      }
    } finally {
      this.held.delete(id);
      await this.db
        .query('UPDATE webhook_lanes SET lease_until = NULL WHERE installation_key = $1 AND lane = $2 AND owner = $3', [key.installationKey, key.lane, this.owner])
        .catch((err: unknown) => this.log?.warn({ err: (err as Error).message }, 'webhook lane release failed; its lease will lapse'));
    }
    // More may be due than one batch: take the lane again (or another) in the next claim.
    if (n >= this.batch) this.again = true;
    return n;
  }

  private async process(row: { delivery_id: string; event: string; payload: unknown; attempts: number }): Promise<void> {
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
    try {
      await this.probot.receive({ id: row.delivery_id, name: row.event, payload } as EmitterWebhookEvent);
      await this.db.query(
        'UPDATE webhook_deliveries SET processed_at = now(), error = NULL, claimed_until = NULL, next_attempt_at = NULL WHERE delivery_id = $1',
        [row.delivery_id],
      );
      webhookMetrics.processed(row.event);
    } catch (err) {
      const message = describeError(err).slice(0, 1000);
      const attempts = Number(row.attempts);
      const backoff = Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));
      await this.db.query(
        `UPDATE webhook_deliveries SET error = $2, next_attempt_at = to_timestamp($3 / 1000.0), claimed_until = NULL
         WHERE delivery_id = $1 AND processed_at IS NULL`,
        [row.delivery_id, message, this.now() + backoff],
      );
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
      const { rows } = await this.db.query<{ installation_key: number | string; lane: string }>(
        `UPDATE webhook_lanes SET lease_until = to_timestamp($2 / 1000.0)
         WHERE owner = $1 AND lease_until > to_timestamp($3 / 1000.0)
         RETURNING installation_key, lane`,
        [this.owner, until, this.now()],
      );
      const kept = new Set(rows.map((r) => `${Number(r.installation_key)}:${r.lane}`));
      const inFlight: string[] = [];
      for (const [id, hold] of this.held) {
        // Lapsed (this process stalled past its lease) and perhaps taken over: finish the
        // current delivery, take no further one from this lane.
        if (!kept.has(id)) hold.lost = true;
        else if (hold.delivery) inFlight.push(hold.delivery);
      }
      if (inFlight.length) {
        await this.db.query('UPDATE webhook_deliveries SET claimed_until = to_timestamp($2 / 1000.0) WHERE delivery_id = ANY($1::text[]) AND processed_at IS NULL', [
          inFlight,
          until,
        ]);
      }
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'webhook lease renewal failed');
    }
  }
}

function describeError(err: unknown): string {
  if (err instanceof AggregateError) return err.errors.map(describeError).join('; ') || err.message;
  if (err instanceof Error) {
    const inner = (err as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length) return inner.map(describeError).join('; ');
    return err.message;
  }
  return String(err);
}
