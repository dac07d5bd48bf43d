import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CIRCUIT_POLICY,
  canDispatch,
  circuitPolicy,
  circuitStatus,
  closedCircuit,
  describeCircuitEvent,
  dispatchAllowance,
  openUntilOf,
  readCircuitState,
  recordEnding,
  type AgentEnding,
  type CircuitEvent,
  type CircuitState,
} from '../../app/core/circuitBreaker.js';

/** A pool's circuit opening and closing, on a fake clock. */
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function run(state: CircuitState, endings: [number, AgentEnding][], policy = DEFAULT_CIRCUIT_POLICY) {
  const events: CircuitEvent[] = [];
  for (const [at, e] of endings) {
    const r = recordEnding(state, e, at, policy);
    state = r.state;
    if (r.event) events.push(r.event);
  }
  return { state, events };
}

describe('circuit breaker', () => {
  it('opens after 5 consecutive agent_error or rate_limited endings within 15 minutes', () => {
    const endings: [number, AgentEnding][] = [0, 1, 2, 3].map((i) => [T0 + i * MIN, i % 2 ? 'rate_limited' : 'agent_error']);
    const four = run(closedCircuit('gpu'), endings);
    expect(four.events).toEqual([]);
    expect(canDispatch(four.state, T0 + 4 * MIN)).toBe(true);
    const five = run(four.state, [[T0 + 14 * MIN, 'rate_limited']]);
    expect(five.events).toEqual([{ kind: 'opened', pool: 'gpu', failures: 5, reason: 'rate_limited', until: T0 + 24 * MIN, cooldownMs: 10 * MIN }]);
    expect(circuitStatus(five.state, T0 + 14 * MIN)).toBe('open');
    expect(dispatchAllowance(five.state, T0 + 24 * MIN - 1)).toBe(0);
  });

  it('does not open when the failures are spread over more than the window', () => {
    const endings: [number, AgentEnding][] = [0, 4, 8, 12, 16].map((m) => [T0 + m * MIN, 'agent_error']);
    const r = run(closedCircuit('p'), endings);
    expect(r.events).toEqual([]);
    expect(r.state.failures).toEqual([4, 8, 12, 16].map((m) => T0 + m * MIN));
    // One more within 15 minutes of the oldest kept failure opens it.
    expect(run(r.state, [[T0 + 17 * MIN, 'agent_error']]).events[0]?.kind).toBe('opened');
  });

  it('a success ends the streak; timeout, budget and no_change neither count nor end it', () => {
    const f = (m: number): [number, AgentEnding] => [T0 + m * MIN, 'agent_error'];
    expect(run(closedCircuit('p'), [f(0), f(1), f(2), f(3), [T0 + 4 * MIN, 'success'], f(5)]).events).toEqual([]);
    const neutral = run(closedCircuit('p'), [f(0), f(1), [T0 + 2 * MIN, 'timeout'], [T0 + 2 * MIN, 'budget'], [T0 + 2 * MIN, 'no_change'], f(3), f(4), f(5)]);
    expect(neutral.events.map((e) => e.kind)).toEqual(['opened']);
  });

  it('half-opens after the cool-down with one trial; a success closes it', () => {
    const opened = run(closedCircuit('p'), [0, 1, 2, 3, 4].map((m) => [T0 + m * MIN, 'agent_error'] as [number, AgentEnding])).state;
    const at = T0 + 14 * MIN;
    expect(circuitStatus(opened, at)).toBe('half_open');
    expect(dispatchAllowance(opened, at, 0)).toBe(1);
    expect(dispatchAllowance(opened, at, 1)).toBe(0);
    const r = recordEnding(opened, 'success', at + MIN);
    expect(r.event).toEqual({ kind: 'closed', pool: 'p', trips: 1 });
    expect(r.state).toEqual(closedCircuit('p'));
    expect(dispatchAllowance(r.state, at + MIN)).toBe(Number.POSITIVE_INFINITY);
  });

  it('doubles the cool-down while the pool keeps failing, up to the cap', () => {
    const policy = circuitPolicy({ failures: 2, windowMinutes: 15, cooldownMinutes: 10, maxCooldownMinutes: 35 });
    let { state } = run(closedCircuit('p'), [[T0, 'agent_error'], [T0 + MIN, 'agent_error']], policy);
    expect(state.cooldownMs).toBe(10 * MIN);
    const cooldowns: number[] = [];
    let now = T0 + MIN;
    for (let i = 0; i < 3; i++) {
      now = state.openUntil!;
      const r = recordEnding(state, 'rate_limited', now, policy);
      expect(r.event?.kind).toBe('reopened');
      state = r.state;
      cooldowns.push(state.cooldownMs! / MIN);
    }
    expect(cooldowns).toEqual([20, 35, 35]);
    expect(state.trips).toBe(4);
    // Still open one millisecond before the end of the last cool-down, then a success closes it.
    expect(canDispatch(state, state.openUntil! - 1)).toBe(false);
    expect(recordEnding(state, 'success', state.openUntil!).event).toEqual({ kind: 'closed', pool: 'p', trips: 4 });
  });

  it('ignores endings that arrive while open (jobs dispatched before it opened)', () => {
    const opened = run(closedCircuit('p'), [0, 1, 2, 3, 4].map((m) => [T0 + m * MIN, 'agent_error'] as [number, AgentEnding])).state;
    expect(recordEnding(opened, 'agent_error', T0 + 5 * MIN)).toEqual({ state: opened, event: null });
    expect(recordEnding(opened, 'success', T0 + 5 * MIN)).toEqual({ state: opened, event: null });
  });

  it('stores as plain JSON and reads back; a malformed row reads as closed', () => {
    const opened = run(closedCircuit('p'), [0, 1, 2, 3, 4].map((m) => [T0 + m * MIN, 'agent_error'] as [number, AgentEnding])).state;
    expect(readCircuitState('p', JSON.parse(JSON.stringify(opened)))).toEqual(opened);
    expect(readCircuitState('p', { status: 'open' })).toEqual(closedCircuit('p'));
    expect(readCircuitState('q', opened)).toEqual(closedCircuit('q'));
  });

  it('describes what happened for the tracking issue', () => {
    const { events } = run(closedCircuit('gpu'), [0, 1, 2, 3, 4].map((m) => [T0 + m * MIN, 'rate_limited'] as [number, AgentEnding]));
    expect(describeCircuitEvent(events[0]!)).toBe(
      'Pool `gpu`: circuit opened after 5 failed runs in a row (last: the model API rate-limited or was overloaded); nothing is dispatched to it until 2026-01-01T00:14:00.000Z (10 min).',
    );
    expect(describeCircuitEvent({ kind: 'closed', pool: 'gpu', trips: 2 })).toBe('Pool `gpu`: a trial run succeeded; circuit closed, dispatch resumes.');
  });
});

/**
 * An open circuit always has an end. Rows written by recordEnding always carry `openUntil`; one
 * stored without it (hand-edited, or written by an older build) must not block the pool for ever.
 */
describe('an open circuit stored without openUntil', () => {
  const stored = (over: Partial<CircuitState>) => readCircuitState('p', { ...closedCircuit('p'), status: 'open', trips: 1, lastFailure: 'agent_error', ...over });

  it('ends at openedAt + its cool-down, and is half-open (one trial) from then', () => {
    const state = stored({ openedAt: T0, openUntil: null, cooldownMs: 20 * MIN });
    expect(circuitStatus(state, T0 + 20 * MIN - 1)).toBe('open');
    expect(dispatchAllowance(state, T0 + 20 * MIN - 1)).toBe(0);
    expect(circuitStatus(state, T0 + 20 * MIN)).toBe('half_open');
    expect(dispatchAllowance(state, T0 + 20 * MIN)).toBe(1);
    expect(openUntilOf(state)).toBe(T0 + 20 * MIN);
    // The trial succeeds: closed.
    expect(recordEnding(state, 'success', T0 + 20 * MIN).event).toEqual({ kind: 'closed', pool: 'p', trips: 1 });
  });

  it('without a stored cool-down, ends at openedAt + the default cool-down', () => {
    const state = stored({ openedAt: T0, openUntil: null, cooldownMs: null });
    expect(circuitStatus(state, T0 + DEFAULT_CIRCUIT_POLICY.cooldownMs - 1)).toBe('open');
    expect(circuitStatus(state, T0 + DEFAULT_CIRCUIT_POLICY.cooldownMs)).toBe('half_open');
  });

  it('without openedAt either, is half-open at once: one trial run decides', () => {
    const state = stored({ openedAt: null, openUntil: null });
    expect(openUntilOf(state)).toBeNull();
    expect(circuitStatus(state, T0)).toBe('half_open');
    expect(dispatchAllowance(state, T0, 0)).toBe(1);
    expect(dispatchAllowance(state, T0, 1)).toBe(0);
    const r = recordEnding(state, 'rate_limited', T0);
    expect(r.event).toEqual({ kind: 'reopened', pool: 'p', reason: 'rate_limited', until: T0 + 20 * MIN, cooldownMs: 20 * MIN, trips: 2 });
  });

  it('a closed circuit has no end to report', () => {
    expect(openUntilOf(readCircuitState('p', { ...closedCircuit('p'), openUntil: T0 }))).toBeNull();
  });
});
