import type { Clock } from './clock.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 15_000 };

/** Exponential backoff with full jitter, capped. */
function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Errors from fetch that prove the request never reached the server, so even a POST may be sent again. */
export function isConnectionRefused(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.some(isConnectionRefused)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export async function withRetry<T>(
  clock: Clock,
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  shouldRetry: (err: unknown) => boolean,
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !shouldRetry(err) || signal?.aborted) throw err;
      const delay = backoffDelay(policy, attempt);
      onRetry?.(err, attempt, delay);
      await clock.sleep(delay, signal);
      if (signal?.aborted) throw err;
    }
  }
}
