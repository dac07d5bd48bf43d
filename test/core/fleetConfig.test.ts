import { describe, expect, it } from 'vitest';
import { DEFAULT_FLEET_CONFIG, FleetConfigSchema, parseFleetConfig } from '../../schema/fleetConfig.js';
import { backoffPolicy, DEFAULT_BACKOFF } from '../../app/core/backoff.js';
import { circuitPolicy, DEFAULT_CIRCUIT_POLICY } from '../../app/core/circuitBreaker.js';

/** The `.github/fleet.yml` keys for feedback, scheduling, budgets, pause, backoff, circuit breaker, calendar and forecast. */
const errorsOf = (text: string) => {
  const r = parseFleetConfig(text);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

describe('new fleet.yml keys', () => {
  it('have the documented defaults in an empty file', () => {
    expect(DEFAULT_FLEET_CONFIG).toMatchObject({
      feedback: { maxRounds: 3, onChecksFailed: true, onChangesRequested: true, onConflict: true },
      scheduling: { conflicts: 'avoid' },
      budgets: {},
      pause: 'drain',
      backoff: { baseMinutes: 5, maxMinutes: 360 },
      circuitBreaker: { failures: 5, windowMinutes: 15, cooldownMinutes: 10, maxCooldownMinutes: 240 },
      calendar: { hoursPerDay: 24 },
      forecast: { reviewPriorHours: 0 },
    });
    // The defaults agree with the pure policies' own.
    expect(backoffPolicy(DEFAULT_FLEET_CONFIG.backoff)).toEqual(DEFAULT_BACKOFF);
    expect(circuitPolicy(DEFAULT_FLEET_CONFIG.circuitBreaker)).toEqual(DEFAULT_CIRCUIT_POLICY);
  });

  it('fill in the rest of a section that sets only some fields', () => {
    const r = parseFleetConfig(['feedback:', '  maxRounds: 1', 'circuitBreaker:', '  failures: 3', 'budgets:', '  perTaskUsd: 5', 'pause: stop'].join('\n'));
    expect(r.ok && r.config).toMatchObject({
      feedback: { maxRounds: 1, onChecksFailed: true, onChangesRequested: true, onConflict: true },
      circuitBreaker: { failures: 3, windowMinutes: 15, cooldownMinutes: 10 },
      budgets: { perTaskUsd: 5 },
      pause: 'stop',
    });
    expect(r.ok && r.config.budgets).toEqual({ perTaskUsd: 5 });
  });

  it('accept every documented value', () => {
    const text = [
      'feedback: { maxRounds: 0, onChecksFailed: false, onChangesRequested: false, onConflict: false }',
      'scheduling: { conflicts: forbid }',
      'budgets: { perTaskUsd: 2.5, perEpicUsd: 20, perDayUsd: 100, perTaskMinutes: 90 }',
      'pause: drain',
      'backoff: { baseMinutes: 0.5, maxMinutes: 60 }',
      'circuitBreaker: { failures: 1, windowMinutes: 1, cooldownMinutes: 1, maxCooldownMinutes: 1 }',
      'calendar: { hoursPerDay: 8 }',
      'forecast: { reviewPriorHours: 4 }',
    ].join('\n');
    const r = parseFleetConfig(text);
    expect(r.ok).toBe(true);
    for (const c of ['avoid', 'forbid', 'ignore']) expect(FleetConfigSchema.parse({ scheduling: { conflicts: c } }).scheduling.conflicts).toBe(c);
  });

  it.each([
    ['feedback:\n  maxRounds: 21', 'feedback.maxRounds', 2, 'expected a whole number of rounds from 0 to 20'],
    ['feedback:\n  maxRounds: 1.5', 'feedback.maxRounds', 2, 'expected a whole number of rounds from 0 to 20'],
    ['feedback:\n  onConflict: sometimes', 'feedback.onConflict', 2, 'expected true or false (rebase when the PR conflicts with its base)'],
    ['feedback:\n  onFire: true', 'feedback.onFire', 2, 'unknown setting "onFire"'],
    ['feedback: 3', 'feedback', 1, 'expected a mapping of settings (maxRounds, onChecksFailed, onChangesRequested, onConflict); remove the key to use the defaults'],
    ['scheduling:\n  conflicts: maybe', 'scheduling.conflicts', 2, 'expected avoid (skip overlapping tasks while others are ready), forbid (never run them together) or ignore'],
    ['budgets:', 'budgets', 1, 'expected a mapping of settings (perTaskUsd, perEpicUsd, perDayUsd, perTaskMinutes); remove the key to use the defaults'],
    ['budgets:\n  perTaskUsd: 0', 'budgets.perTaskUsd', 2, 'expected a per-task budget in US dollars, a number above 0'],
    ['budgets:\n  perDayUsd: "$5"', 'budgets.perDayUsd', 2, 'expected a daily budget in US dollars, a number above 0'],
    ['budgets:\n  perEpicUsd: 2000000', 'budgets.perEpicUsd', 2, 'expected a per-epic budget of at most 1000000 US dollars'],
    ['budgets:\n  perTaskMinutes: 0.5', 'budgets.perTaskMinutes', 2, 'expected a per-task time budget in minutes, a number from 1 to 43200'],
    ['budgets:\n  perWeekUsd: 5', 'budgets.perWeekUsd', 2, 'unknown setting "perWeekUsd"'],
    ['pause: now', 'pause', 1, 'expected drain (running jobs finish) or stop (running jobs stop at their next heartbeat)'],
    ['backoff:\n  baseMinutes: -1', 'backoff.baseMinutes', 2, 'expected the backoff base in minutes, a number from 0 to 1440'],
    ['backoff:\n  baseMinutes: 10\n  maxMinutes: 5', 'backoff.maxMinutes', 3, 'maxMinutes must not be below baseMinutes'],
    ['circuitBreaker:\n  failures: 0', 'circuitBreaker.failures', 2, 'expected a whole number of failed runs from 1 to 100'],
    ['circuitBreaker:\n  windowMinutes: 0', 'circuitBreaker.windowMinutes', 2, 'expected the failure window in minutes, a number from 1 to 1440'],
    ['circuitBreaker:\n  cooldownMinutes: 30\n  maxCooldownMinutes: 20', 'circuitBreaker.maxCooldownMinutes', 3, 'maxCooldownMinutes must not be below cooldownMinutes'],
    ['calendar:\n  hoursPerDay: 0', 'calendar.hoursPerDay', 2, 'expected hours per day, a number above 0 and at most 24'],
    ['calendar:\n  hoursPerDay: 25', 'calendar.hoursPerDay', 2, 'expected hours per day, a number above 0 and at most 24'],
    ['forecast:\n  reviewPriorHours: -2', 'forecast.reviewPriorHours', 2, 'expected hours, a number from 0 to 1440'],
  ])('%j is refused with its line and what is accepted', (text, path, line, message) => {
    expect(errorsOf(text)).toEqual([{ path, line, message }]);
  });
});
