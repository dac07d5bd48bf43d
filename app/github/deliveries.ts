import { randomBytes } from 'node:crypto';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import type { Db } from '../store/db.js';

/**
 * Durable, idempotent webhook ingestion. A delivery is verified, written to webhook_deliveries
 * (keyed by X-GitHub-Delivery) and acknowledged; the DeliveryProcessor then drains the table and
 * hands each delivery to Probot exactly once per successful run. Nothing GitHub's API does can
 * slow the acknowledgement down: receipt is one INSERT.
 *
 * Claim bookkeeping has columns of its own (migration 0004): `claimed_until`/`claimed_by` while a
 * processor holds the delivery, `next_attempt_at` after a failed attempt (retried with backoff),
 *   NULL when fresh or processed.
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
const EVENT_NAME = /^[a-z_]{1,64}$/;

/** Verifies and stores one delivery. A wrongly signed delivery writes nothing. */
export async function receiveDelivery(db: Db, d: IncomingDelivery, secret: string): Promise<ReceiveOutcome> {
  if (!DELIVERY_ID.test(d.id)) return { status: 'bad_request', reason: 'X-GitHub-Delivery is missing or malformed' };
  if (!EVENT_NAME.test(d.name)) return { status: 'bad_request', reason: 'X-GitHub-Event is missing or malformed' };
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
  const p = payload as { action?: unknown; installation?: { id?: unknown } };
  const action = typeof p.action === 'string' ? p.action.slice(0, 64) : null;
  const installationId = typeof p.installation?.id === 'number' ? p.installation.id : null;
  // jsonb refuses NUL characters; GitHub text can carry them, so they are dropped on the way in.
  const stored = text.includes('\\u0000') ? JSON.stringify(stripNul(payload)) : text;
  const res = await db.query<{ delivery_id: string }>(
    `INSERT INTO webhook_deliveries (delivery_id, event, action, installation_id, payload)
     VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (delivery_id) DO NOTHING
     RETURNING delivery_id`,
    [d.id, d.name, action, installationId, stored],
  );
  return res.rows.length ? { status: 'stored', id: d.id } : { status: 'duplicate', id: d.id };
}

function stripNul(v: unknown): unknown {
  if (typeof v === 'string') return v.split('\u0000').join('');
  if (Array.isArray(v)) return v.map(stripNul);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [stripNul(k) as string, stripNul(x)]));
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
  /** How long a processor may hold a delivery before another may take it over (default 120 s). */
  claimTtlMs?: number;
  /** Safety poll for deliveries stored by another process (default 5 s; 0 disables). */
  pollMs?: number;
  /** Deliveries processed at once (default 4). */
  concurrency?: number;
  now?: () => number;
}

// Times are the processor's clock (milliseconds), so tests can move it; the row lock plus the
// claimed_until lease mean two processors never run one delivery at once.
const CLAIM_SQL = `
UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = to_timestamp($3 / 1000.0), claimed_by = $4
WHERE delivery_id = (
  SELECT delivery_id FROM webhook_deliveries
  WHERE processed_at IS NULL AND attempts < $1
    AND (claimed_until IS NULL OR claimed_until <= to_timestamp($2 / 1000.0))
    AND (next_attempt_at IS NULL OR next_attempt_at <= to_timestamp($2 / 1000.0))
  ORDER BY received_at, delivery_id
  LIMIT 1
  FOR UPDATE SKIP LOCKED)
  AND processed_at IS NULL
RETURNING delivery_id, event, payload, attempts`;

/** Drains webhook_deliveries: each unprocessed delivery goes to Probot once; failures are retried. */
export class DeliveryProcessor {
  private readonly db: Db;
  private readonly probot: Receiver;
  private readonly log: DeliveryProcessorOptions['log'];
  private readonly maxAttempts: number;
  private readonly claimTtlMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly now: () => number;
  private readonly token = randomBytes(6).toString('hex');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | null = null;
  private again = false;
  private stopped = false;

  constructor(o: DeliveryProcessorOptions) {
    this.db = o.db;
    this.probot = o.probot;
    this.log = o.log;
    this.maxAttempts = o.maxAttempts ?? 5;
    this.claimTtlMs = o.claimTtlMs ?? 120_000;
    this.pollMs = o.pollMs ?? 5_000;
    this.concurrency = Math.max(1, o.concurrency ?? 4);
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
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      let total = 0;
      do {
        this.again = false;
        const workers = Array.from({ length: this.concurrency }, async () => {
          let n = 0;
          while (!this.stopped && (await this.processOne())) n++;
          return n;
        });
        total += (await Promise.all(workers)).reduce((a, b) => a + b, 0);
      } while (this.again && !this.stopped);
      return total;
    })();
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
    }).catch(() => undefined);
    return run;
  }

  /** Claims and processes one delivery; false when none is claimable. */
  async processOne(): Promise<boolean> {
    const now = this.now();
    const { rows } = await this.db.query<{ delivery_id: string; event: string; payload: unknown; attempts: number }>(CLAIM_SQL, [
      this.maxAttempts,
      now,
      now + this.claimTtlMs,
      this.token,
    ]);
    const row = rows[0];
    if (!row) return false;
    const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as unknown) : row.payload;
    try {
      await this.probot.receive({ id: row.delivery_id, name: row.event, payload } as EmitterWebhookEvent);
      await this.db.query(
        'UPDATE webhook_deliveries SET processed_at = now(), error = NULL, claimed_until = NULL, next_attempt_at = NULL WHERE delivery_id = $1',
        [row.delivery_id],
      );
    } catch (err) {
      const message = describeError(err).slice(0, 1000);
      const attempts = Number(row.attempts);
      const backoff = Math.min(300_000, 2_000 * 2 ** Math.max(0, attempts - 1));
      await this.db.query(
        `UPDATE webhook_deliveries SET error = $2, next_attempt_at = to_timestamp($3 / 1000.0), claimed_until = NULL
         WHERE delivery_id = $1 AND processed_at IS NULL`,
        [row.delivery_id, message, this.now() + backoff],
      );
      this.log?.warn({ delivery: row.delivery_id, event: row.event, attempts, err: message }, 'webhook delivery failed; will retry');
    }
    return true;
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
