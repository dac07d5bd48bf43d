import { createHash } from 'node:crypto';
import type { RepoCtx } from '../context.js';
import { errorText, httpStatus } from '../types.js';

/**
 * Every GitHub write made while handling a webhook delivery goes through `once`: the write is
 * recorded under (delivery id, effect key) in github_effects, so a re-run of the same delivery —
 * after a crash, a kill -9, or a failed attempt the processor retries — skips what was done and
 * returns what GitHub answered the first time.
 *
 *   fresh            → write, record the result
 *   recorded as done → skip, return the recorded result (or the recorded refusal)
 *   started, no end  → the process died during the write: GitHub may or may not have it. `verify`
 *                      (a read) decides; only if GitHub does not have it is the write made again.
 *
 * Failures: a refusal retrying cannot fix (a 4xx other than 429) is recorded and thrown as an
 * `EffectRefused`; anything else (5xx, 429, network) is logged with the delivery id and thrown,
 * so the delivery fails and is retried, and the retry repeats only what did not succeed.
 */

export type EffectCtx = Pick<RepoCtx, 'deliveryId' | 'deps' | 'log'>;

export interface OnceOptions<T> {
  /** Written before the call; `verify` gets it back after a crash. */
  intent?: unknown;
  /** After a crash during the write: what GitHub shows of it, or undefined when it is not there. */
  verify?: (intent: unknown, startedAt: Date) => Promise<T | undefined>;
}

/** A write GitHub refused in a way a retry cannot change; recorded, so a re-run does not ask again. */
export class EffectRefused extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'EffectRefused';
  }
}

/** Worth retrying the delivery for: server errors, rate limits, no answer at all. */
export function retryable(err: unknown): boolean {
  if (err instanceof EffectRefused) return false;
  // GraphQL refusals come with HTTP 200 and an `errors` list: an answer, not an outage.
  if ((err as { name?: unknown } | null)?.name === 'GraphqlResponseError') return false;
  const s = httpStatus(err);
  return s === undefined || s === 429 || s >= 500;
}

/**
 * A dependency failing (Postgres, the network, GitHub 5xx/429) rather than a request refused:
 * such an error fails the delivery, so it is retried, instead of being told to the commenter.
 */
export function transient(err: unknown): boolean {
  const s = httpStatus(err);
  if (s !== undefined) return s === 429 || s >= 500;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length > 0;
}

interface Refusal {
  refused: { status: number | null; message: string };
}
const isRefusal = (r: unknown): r is Refusal => !!r && typeof r === 'object' && 'refused' in r;

export async function once<T>(ctx: EffectCtx, key: string, fn: () => Promise<T>, opts: OnceOptions<T> = {}): Promise<T> {
  const store = ctx.deps.port.effects;
  const { row, fresh } = await store.begin(ctx.deliveryId, key, opts.intent);
  if (row.done) {
    if (isRefusal(row.result)) throw new EffectRefused(row.result.refused.status ?? undefined, row.result.refused.message);
    return row.result as T;
  }
  if (!fresh && opts.verify) {
    const seen = await opts.verify(row.intent, row.startedAt);
    if (seen !== undefined) {
      ctx.log.info({ delivery: ctx.deliveryId, effect: key }, 'GitHub write of an interrupted run found; not repeated');
      await store.finish(ctx.deliveryId, key, seen ?? null);
      return seen;
    }
  }
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    const status = httpStatus(err);
    if (retryable(err)) {
      ctx.log.error({ delivery: ctx.deliveryId, effect: key, status, err: errorText(err) }, 'effect failed; the delivery will be retried');
      throw err;
    }
    ctx.log.warn({ delivery: ctx.deliveryId, effect: key, status, err: errorText(err) }, 'GitHub refused the write');
    const refusal: Refusal = { refused: { status: status ?? null, message: errorText(err) } };
    await store.finish(ctx.deliveryId, key, refusal);
    throw new EffectRefused(status, errorText(err));
  }
  await store.finish(ctx.deliveryId, key, result ?? null);
  return result;
}

/**
 * `once` for writes whose refusal only needs saying in the log (a reaction on a deleted comment):
 * refused → undefined; retryable failures still throw so the delivery is retried.
 */
export async function onceOrRefused<T>(ctx: EffectCtx, key: string, fn: () => Promise<T>, opts: OnceOptions<T> = {}): Promise<T | undefined> {
  try {
    return await once(ctx, key, fn, opts);
  } catch (err) {
    if (err instanceof EffectRefused) return undefined;
    throw err;
  }
}

/** Short stable digest of a value, for effect keys that name content (a body, a set of links). */
export function digest(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}
