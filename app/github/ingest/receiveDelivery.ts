import { createHash } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';
import type { Db } from '../../store/db.js';
import { storeDelivery } from '../sql/storeDelivery.js';
import { describeError } from '../../core/describeError.js';

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
  let fresh: boolean;
  try {
    // One statement: the delivery, and its lane's row if this is the lane's first delivery.
    fresh = await storeDelivery(db, { id: d.id, event: d.name, action, installationId: inst.id, payload: stored, bodyHash, lane: laneOf(d.name) });
  } catch (err) {
    // Class 22 (a value jsonb cannot take) and 54 (nesting past the server's stack limit) are
    // the payload's own: it would fail the same way on every redelivery, so it is a 400.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'))) {
      return { status: 'bad_request', reason: `payload cannot be stored: ${describeError(err).slice(0, 200)}` };
    }
    throw err;
  }
  return fresh ? { status: 'stored', id: d.id } : { status: 'duplicate', id: d.id };
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

