import type { Db } from '../../store/db.js';
import type { DeliveryProcessor } from './deliveryProcessor.js';
import { receiveDelivery, type ReceiveOutcome } from './receiveDelivery.js';
import { describeError } from '../../core/describeError.js';

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
      opts.log?.warn({ err: describeError(err), delivery: id }, 'webhook delivery could not be stored');
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

