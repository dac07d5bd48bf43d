import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_BACKOFF, backoffMs, backoffPolicy, nominalBackoffMs, readyAtMs } from '../../app/core/backoff.js';

/** Backoff timings against a fake clock (times are numbers) and an injected random source. */
const MIN = 60_000;
const mid = () => 0.5; // no jitter: exactly the nominal delay

describe('backoff', () => {
  it('doubles from a 5-minute base: 5, 10, 20, 40 minutes', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, DEFAULT_BACKOFF, mid) / MIN)).toEqual([5, 10, 20, 40]);
    expect([1, 2, 3].map((a) => nominalBackoffMs(a) / MIN)).toEqual([5, 10, 20]);
  });

  it('makes a failed task ready only after the delay, on a fake clock', () => {
    const failedAt = Date.UTC(2026, 0, 1, 12, 0, 0);
    const policy = backoffPolicy({ baseMinutes: 2 });
    let now = failedAt;
    const readyAt = readyAtMs(failedAt, 3, policy, mid);
    const ready = () => now >= readyAt;
    now += 8 * MIN - 1;
    expect(ready()).toBe(false);
    now += 1;
    expect(ready()).toBe(true);
  });

  it('spreads delays by the jitter fraction around the nominal delay', () => {
    expect(backoffMs(2, DEFAULT_BACKOFF, () => 0)).toBe(7.5 * MIN);
    expect(backoffMs(2, DEFAULT_BACKOFF, () => 0.999999)).toBeCloseTo(12.5 * MIN, -2);
    expect(backoffMs(2, { ...DEFAULT_BACKOFF, jitter: 0 }, () => 0.9)).toBe(10 * MIN);
    // Tasks failing together get different delays.
    const seq = [0.1, 0.7, 0.4];
    const delays = seq.map((r) => backoffMs(1, DEFAULT_BACKOFF, () => r));
    expect(new Set(delays).size).toBe(3);
  });

  it('caps the delay, jitter included, and survives absurd attempts', () => {
    expect(backoffMs(100, DEFAULT_BACKOFF, () => 0.99)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffMs(1e9, DEFAULT_BACKOFF, mid)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffMs(0, DEFAULT_BACKOFF, mid)).toBe(5 * MIN);
    expect(backoffMs(Number.NaN, DEFAULT_BACKOFF, mid)).toBe(5 * MIN);
    expect(backoffMs(2.7, DEFAULT_BACKOFF, mid)).toBe(10 * MIN);
  });

  it('reads minutes from the config block', () => {
    expect(backoffPolicy({ baseMinutes: 1, maxMinutes: 30, jitter: 0.1 })).toEqual({ baseMs: MIN, maxMs: 30 * MIN, jitter: 0.1 });
    expect(backoffPolicy()).toEqual(DEFAULT_BACKOFF);
  });

  it('always stays within [nominal × (1 - jitter), min(max, nominal × (1 + jitter))] (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const n = nominalBackoffMs(attempt);
        const d = backoffMs(attempt, DEFAULT_BACKOFF, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.round(n * 0.75) - 1);
        expect(d).toBeLessThanOrEqual(Math.min(DEFAULT_BACKOFF.maxMs, Math.round(n * 1.25)));
      }),
    );
  });
});
