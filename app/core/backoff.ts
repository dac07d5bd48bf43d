/**
 * How long a failed task waits before it is ready again: base × 2^(attempt-1), spread by jitter so
 * that tasks which failed together (a 429 storm) do not all come back in the same second. Pure: the
 * random source is injected, time is a number of milliseconds.
 */

export interface BackoffPolicy {
  /** The first retry's delay. */
  baseMs: number;
  /** No delay is longer than this, jitter included. */
  maxMs: number;
  /** Spread around the nominal delay, as a fraction: 0.25 means from 75% to 125% of it. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5 * 60_000, maxMs: 6 * 3_600_000, jitter: 0.25 };

/** The policy for a `.github/fleet.yml` `backoff` block (minutes there, milliseconds here). */
export function backoffPolicy(cfg: { baseMinutes?: number; maxMinutes?: number; jitter?: number } = {}): BackoffPolicy {
  return {
    baseMs: (cfg.baseMinutes ?? DEFAULT_BACKOFF.baseMs / 60_000) * 60_000,
    maxMs: (cfg.maxMinutes ?? DEFAULT_BACKOFF.maxMs / 60_000) * 60_000,
    jitter: cfg.jitter ?? DEFAULT_BACKOFF.jitter,
  };
}

/** The delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed. */
export function nominalBackoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  // 2^40 × any sane base is far beyond maxMs: the exponent is capped so the product stays finite.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
}

/**
 * The jittered delay: nominal × (1 - jitter + 2 × jitter × random()), at most `maxMs`.
 * `random` returns a number in [0, 1), like Math.random.
 */
export function backoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const nominal = nominalBackoffMs(attempt, policy);
  const r = Math.min(Math.max(random(), 0), 1);
  const j = Math.min(Math.max(policy.jitter, 0), 1);
  return Math.round(Math.min(policy.maxMs, nominal * (1 - j + 2 * j * r)));
}

/** When a task whose attempt `attempt` failed at `failedAtMs` becomes ready again (epoch ms). */
export function readyAtMs(failedAtMs: number, attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  return failedAtMs + backoffMs(attempt, policy, random);
}
