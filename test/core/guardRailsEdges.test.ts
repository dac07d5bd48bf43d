import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffMs, backoffPolicy, nominalBackoffMs } from '../../app/core/backoff.js';
import {
  DEFAULT_CIRCUIT_POLICY,
  circuitPolicy,
  circuitStatus,
  closedCircuit,
  describeCircuitEvent,
  readCircuitState,
  recordEnding,
  type AgentEnding,
  type CircuitState,
} from '../../app/core/circuitBreaker.js';
import { budgetLeft, describeExhausted, exhaustedBudgets, handOutDecision } from '../../app/core/budgets.js';
import { handOutGate, heartbeatStop } from '../../app/core/guardDecisions.js';

/**
 * The guard rails of #15 at their edges (found by mutation testing; the main cases are in
 * backoff/circuitBreaker/budgets/guardDecisions.test.ts): partial configs, exact boundaries,
 * inputs out of range, and the words people read.
 */
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe('backoff edges', () => {
  it('fills a partial config block from the defaults', () => {
    expect(backoffPolicy({ jitter: 0 })).toEqual({ baseMs: 5 * MIN, maxMs: 6 * 60 * MIN, jitter: 0 });
    expect(backoffPolicy({ maxMinutes: 30 })).toEqual({ baseMs: 5 * MIN, maxMs: 30 * MIN, jitter: 0.25 });
    expect(backoffPolicy({ baseMinutes: 1 })).toEqual({ baseMs: MIN, maxMs: 6 * 60 * MIN, jitter: 0.25 });
  });

  it('caps the nominal delay at the maximum', () => {
    const policy = { baseMs: MIN, maxMs: 10 * MIN, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((a) => nominalBackoffMs(a, policy) / MIN)).toEqual([1, 2, 4, 8, 10]);
    expect(nominalBackoffMs(Number.POSITIVE_INFINITY, policy)).toBe(MIN);
  });

  it('keeps a random source out of [0, 1) inside the jitter band', () => {
    // 10 min nominal, 25% jitter: 7.5 to 12.5 min whatever the source says.
    expect(backoffMs(2, DEFAULT_BACKOFF, () => -3)).toBe(7.5 * MIN);
    expect(backoffMs(2, DEFAULT_BACKOFF, () => 7)).toBe(12.5 * MIN);
  });

  it('keeps a jitter fraction out of [0, 1] inside it too: never a negative delay', () => {
    expect(backoffMs(2, { ...DEFAULT_BACKOFF, jitter: -0.5 }, () => 0)).toBe(10 * MIN);
    expect(backoffMs(2, { ...DEFAULT_BACKOFF, jitter: 3 }, () => 0)).toBe(0);
    expect(backoffMs(2, { ...DEFAULT_BACKOFF, jitter: 3 }, () => 0.75)).toBe(15 * MIN);
  });
});

describe('circuit breaker edges', () => {
  const fail = (m: number, e: AgentEnding = 'agent_error'): [number, AgentEnding] => [T0 + m * MIN, e];
  function run(state: CircuitState, endings: [number, AgentEnding][], policy = DEFAULT_CIRCUIT_POLICY) {
    for (const [at, e] of endings) state = recordEnding(state, e, at, policy).state;
    return state;
  }

  it('reads defaults for what the config block leaves out', () => {
    expect(circuitPolicy()).toEqual(DEFAULT_CIRCUIT_POLICY);
    expect(circuitPolicy({ failures: 3 })).toEqual({ ...DEFAULT_CIRCUIT_POLICY, threshold: 3 });
    expect(circuitPolicy({ windowMinutes: 5, cooldownMinutes: 1, maxCooldownMinutes: 2 })).toEqual({
      threshold: 5,
      windowMs: 5 * MIN,
      cooldownMs: MIN,
      maxCooldownMs: 2 * MIN,
    });
  });

  it('counts a failure exactly one window old', () => {
    const state = run(closedCircuit('p'), [fail(0), fail(5), fail(10), fail(14)]);
    expect(recordEnding(state, 'agent_error', T0 + 15 * MIN).event?.kind).toBe('opened');
    expect(recordEnding(state, 'agent_error', T0 + 15 * MIN + 1).event).toBeNull();
  });

  it('remembers the last kind of failure while the streak builds', () => {
    expect(run(closedCircuit('p'), [fail(0), fail(1, 'rate_limited')]).lastFailure).toBe('rate_limited');
    expect(run(closedCircuit('p'), [fail(0, 'rate_limited'), fail(1)]).lastFailure).toBe('agent_error');
  });

  it('never opens for longer than the cap, the first time included', () => {
    const policy = circuitPolicy({ failures: 1, cooldownMinutes: 60, maxCooldownMinutes: 30 });
    const r = recordEnding(closedCircuit('p'), 'agent_error', T0, policy);
    expect(r.event).toMatchObject({ kind: 'opened', cooldownMs: 30 * MIN, until: T0 + 30 * MIN });
  });

  it('while half-open, a neutral ending leaves the trial pending', () => {
    const opened = run(closedCircuit('p'), [0, 1, 2, 3, 4].map((m) => fail(m)));
    const at = opened.openUntil!;
    for (const e of ['timeout', 'budget', 'no_change'] as const) {
      const r = recordEnding(opened, e, at);
      expect(r.event).toBeNull();
      expect(circuitStatus(r.state, at)).toBe('half_open');
    }
  });

  it('re-opens a stored half-open circuit without a cool-down for twice the policy cool-down', () => {
    const stored = { ...closedCircuit('p'), status: 'open', openedAt: T0, openUntil: T0 + MIN, cooldownMs: null, trips: 1 };
    const state = readCircuitState('p', stored);
    expect(state.status).toBe('open');
    const r = recordEnding(state, 'agent_error', T0 + MIN);
    expect(r.event).toEqual({ kind: 'reopened', pool: 'p', reason: 'agent_error', until: T0 + 21 * MIN, cooldownMs: 20 * MIN, trips: 2 });
    expect(r.state).toMatchObject({ status: 'open', failures: [], openedAt: T0 + MIN, lastFailure: 'agent_error' });
  });

  it('a closed circuit stays closed whatever end of an old cool-down it still stores', () => {
    const stale = readCircuitState('p', { ...closedCircuit('p'), openUntil: T0, cooldownMs: 10 * MIN, trips: 0 });
    expect(circuitStatus(stale, T0 + MIN)).toBe('closed');
  });

  it('a success while closed clears the streak', () => {
    const two = run(closedCircuit('p'), [fail(0), fail(1)]);
    expect(recordEnding(two, 'success', T0 + 2 * MIN)).toEqual({ state: { ...two, failures: [] }, event: null });
  });

  it('says which failure reopened it and for how long', () => {
    expect(
      describeCircuitEvent({ kind: 'reopened', pool: 'gpu', reason: 'agent_error', until: T0 + 20 * MIN, cooldownMs: 20 * MIN, trips: 2 }),
    ).toBe('Pool `gpu`: the trial run failed too (the agent failed); circuit open again until 2026-01-01T00:20:00.000Z (20 min, opening 2).');
    expect(describeCircuitEvent({ kind: 'opened', pool: 'p', failures: 3, reason: 'agent_error', until: T0, cooldownMs: 90_000 })).toBe(
      'Pool `p`: circuit opened after 3 failed runs in a row (last: the agent failed); nothing is dispatched to it until 2026-01-01T00:00:00.000Z (2 min).',
    );
  });
});

describe('budget edges', () => {
  it('treats a negative or infinite sum as nothing spent', () => {
    expect(budgetLeft({ perTaskUsd: 10 }, { taskUsd: -5 })).toEqual({ task: 10 });
    expect(budgetLeft({ perTaskUsd: 10 }, { taskUsd: Number.POSITIVE_INFINITY })).toEqual({ task: 10 });
    expect(budgetLeft({ perEpicUsd: 10, perTaskMinutes: 30 }, { epicUsd: 2.5, taskMinutes: 45 })).toEqual({ epic: 7.5, task_minutes: 0 });
  });

  it('treats a negative or infinite limit as no budget, and zero as none allowed', () => {
    expect(exhaustedBudgets({ perTaskUsd: -1, perDayUsd: Number.POSITIVE_INFINITY }, { taskUsd: 100, dayUsd: 100 })).toEqual([]);
    expect(budgetLeft({ perTaskUsd: -1 }, {})).toEqual({});
    expect(exhaustedBudgets({ perDayUsd: 0 }, { dayUsd: -5 })).toEqual([{ scope: 'day', limit: 0, spent: 0, unit: 'usd' }]);
  });

  it('records limit, spend and unit of each spent budget', () => {
    expect(exhaustedBudgets({ perEpicUsd: 20, perTaskMinutes: 60 }, { epicUsd: 25, taskMinutes: 60 })).toEqual([
      { scope: 'epic', limit: 20, spent: 25, unit: 'usd' },
      { scope: 'task_minutes', limit: 60, spent: 60, unit: 'minutes' },
    ]);
  });

  it('names several spent budgets in one message', () => {
    const d = handOutDecision({ perTaskUsd: 5, perTaskMinutes: 60 }, { taskUsd: 5.125, taskMinutes: 90 });
    expect(d).toEqual({
      ok: false,
      hold: 'budget',
      exhausted: [
        { scope: 'task', limit: 5, spent: 5.125, unit: 'usd' },
        { scope: 'task_minutes', limit: 60, spent: 90, unit: 'minutes' },
      ],
      message: 'task budget $5.00 spent ($5.13); task time budget 60 min spent (90 min)',
    });
    expect(describeExhausted([])).toBe('');
  });
});

describe('guard decisions, words and conditions', () => {
  const open = { paused: false, budgets: {}, spend: {}, circuitAllowance: 1 };
  const running = { stopRequested: false, paused: false, pauseMode: 'drain' as const, budgets: {}, spend: {} };

  it('says why a task is held', () => {
    expect(handOutGate({ ...open, paused: true })).toEqual({ ok: false, hold: 'paused', message: 'the project is paused' });
    expect(handOutGate({ ...open, circuitAllowance: 0 })).toEqual({ ok: false, hold: 'circuit_open', message: "the pool's circuit is open after repeated failures" });
    expect(handOutGate({ ...open, circuitAllowance: 1 })).toEqual({ ok: true });
    expect(handOutGate({ ...open, budgets: { perDayUsd: 3 }, spend: { dayUsd: 3 } })).toEqual({
      ok: false,
      hold: 'budget',
      exhausted: [{ scope: 'day', limit: 3, spent: 3, unit: 'usd' }],
      message: 'daily budget $3.00 spent ($3.00)',
    });
  });

  it('stops only for a pause in stop mode, and says why it stopped', () => {
    expect(heartbeatStop({ ...running, pauseMode: 'stop' })).toEqual({ stop: false });
    expect(heartbeatStop({ ...running, stopRequested: true })).toEqual({ stop: true, reason: 'stopped', message: 'stopped by /fleet stop' });
  });
});
