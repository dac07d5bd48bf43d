import { z } from 'zod';

/**
 * One circuit per pool. K consecutive `agent_error` or `rate_limited` endings within T minutes
 * open it: nothing is dispatched to the pool for a cool-down. When the cool-down ends the circuit
 * is half-open and lets one task through; a success closes it, another such failure opens it again
 * for twice as long (up to a cap).
 *
 * Pure: the state is plain JSON-able data the caller stores (one row per pool), every function
 * takes the time as epoch milliseconds and returns a new state.
 *
 * Which endings count: `agent_error` and `rate_limited` say the pool (its model API, its runners)
 * is unhealthy. A success ends the streak. `timeout`, `budget` and `no_change` say nothing about
 * the pool's health: they neither count nor end the streak. Endings that arrive while the circuit
 * is open come from jobs dispatched before it opened; they change nothing.
 */

export type AgentEnding = 'success' | 'agent_error' | 'rate_limited' | 'timeout' | 'budget' | 'no_change';

export interface CircuitPolicy {
  /** K: consecutive failing endings that open the circuit. */
  threshold: number;
  /** T: the failures must all fall within this window. */
  windowMs: number;
  /** The first cool-down. */
  cooldownMs: number;
  /** Cool-downs double while the pool keeps failing, up to this. */
  maxCooldownMs: number;
}

export const DEFAULT_CIRCUIT_POLICY: CircuitPolicy = { threshold: 5, windowMs: 15 * 60_000, cooldownMs: 10 * 60_000, maxCooldownMs: 4 * 3_600_000 };

/** The policy for a `.github/fleet.yml` `circuitBreaker` block (minutes there, milliseconds here). */
export function circuitPolicy(
  cfg: { failures?: number; windowMinutes?: number; cooldownMinutes?: number; maxCooldownMinutes?: number } = {},
): CircuitPolicy {
  const d = DEFAULT_CIRCUIT_POLICY;
  return {
    threshold: cfg.failures ?? d.threshold,
    windowMs: (cfg.windowMinutes ?? d.windowMs / 60_000) * 60_000,
    cooldownMs: (cfg.cooldownMinutes ?? d.cooldownMs / 60_000) * 60_000,
    maxCooldownMs: (cfg.maxCooldownMinutes ?? d.maxCooldownMs / 60_000) * 60_000,
  };
}

export const CircuitStateSchema = z.object({
  pool: z.string(),
  /** `open` is stored; whether it has become half-open is derived from `openUntil` and the time. */
  status: z.enum(['closed', 'open', 'half_open']),
  /** Times (epoch ms) of the current streak of failing endings, oldest first, at most K kept. */
  failures: z.array(z.number()),
  openedAt: z.number().nullable(),
  openUntil: z.number().nullable(),
  /** The cool-down of the current (or last) opening; the next re-opening doubles it. */
  cooldownMs: z.number().nullable(),
  /** How many times it opened since it was last closed. */
  trips: z.number().int(),
  /** The last ending that counted as a failure, for the dashboard and the tracking-issue comment. */
  lastFailure: z.enum(['agent_error', 'rate_limited']).nullable(),
});
export type CircuitState = z.infer<typeof CircuitStateSchema>;

export type CircuitStatus = 'closed' | 'open' | 'half_open';

/** What changed, for the comment on the plan's tracking issue. */
export type CircuitEvent =
  | { kind: 'opened'; pool: string; failures: number; reason: 'agent_error' | 'rate_limited'; until: number; cooldownMs: number }
  | { kind: 'reopened'; pool: string; reason: 'agent_error' | 'rate_limited'; until: number; cooldownMs: number; trips: number }
  | { kind: 'closed'; pool: string; trips: number };

export function closedCircuit(pool: string): CircuitState {
  return { pool, status: 'closed', failures: [], openedAt: null, openUntil: null, cooldownMs: null, trips: 0, lastFailure: null };
}

/**
 * When an open circuit's cool-down ends (null when it is not open). An open circuit always has an
 * end: recordEnding always stores `openUntil`, but a row stored without it (hand-edited, or by an
 * older build) must not block the pool for ever, so its end is recomputed from when it opened and
 * its cool-down (the default one when it has none stored). With no `openedAt` either there is
 * nothing to count from: null, and the circuit is half-open at once (one trial run decides).
 */
export function openUntilOf(state: CircuitState): number | null {
  if (state.status !== 'open') return null;
  if (state.openUntil !== null) return state.openUntil;
  if (state.openedAt !== null) return state.openedAt + (state.cooldownMs ?? DEFAULT_CIRCUIT_POLICY.cooldownMs);
  return null;
}

/** The status at `now`: an open circuit whose cool-down has ended (or that has no known end) is half-open. */
export function circuitStatus(state: CircuitState, now: number): CircuitStatus {
  if (state.status !== 'open') return state.status;
  const until = openUntilOf(state);
  return until === null || now >= until ? 'half_open' : 'open';
}

/**
 * How many tasks may be dispatched to the pool at `now`, on top of what it runs: none while open,
 * one probe while half-open (the caller passes how many of the pool's tasks are running), any
 * number while closed.
 */
export function dispatchAllowance(state: CircuitState, now: number, running = 0): number {
  const status = circuitStatus(state, now);
  if (status === 'open') return 0;
  if (status === 'half_open') return running > 0 ? 0 : 1;
  return Number.POSITIVE_INFINITY;
}

export function canDispatch(state: CircuitState, now: number, running = 0): boolean {
  return dispatchAllowance(state, now, running) > 0;
}

function isFailure(e: AgentEnding): e is 'agent_error' | 'rate_limited' {
  return e === 'agent_error' || e === 'rate_limited';
}

/** Records one ending of a task run in the pool at `now`; returns the new state and what changed. */
export function recordEnding(
  state: CircuitState,
  ending: AgentEnding,
  now: number,
  policy: CircuitPolicy = DEFAULT_CIRCUIT_POLICY,
): { state: CircuitState; event: CircuitEvent | null } {
  const status = circuitStatus(state, now);
  if (status === 'open') return { state, event: null };

  if (status === 'half_open') {
    if (ending === 'success') return { state: closedCircuit(state.pool), event: { kind: 'closed', pool: state.pool, trips: state.trips } };
    if (!isFailure(ending)) return { state, event: null };
    const cooldownMs = Math.min(policy.maxCooldownMs, (state.cooldownMs ?? policy.cooldownMs) * 2);
    const next = opened(state, now, cooldownMs, state.trips + 1, ending);
    return { state: next, event: { kind: 'reopened', pool: state.pool, reason: ending, until: now + cooldownMs, cooldownMs, trips: next.trips } };
  }

  // Closed.
  if (ending === 'success') return { state: state.failures.length ? { ...state, failures: [] } : state, event: null };
  if (!isFailure(ending)) return { state, event: null };
  const failures = [...state.failures, now].filter((t) => now - t <= policy.windowMs).slice(-policy.threshold);
  if (failures.length < policy.threshold) return { state: { ...state, failures, lastFailure: ending }, event: null };
  const cooldownMs = Math.min(policy.maxCooldownMs, policy.cooldownMs);
  const next = opened(state, now, cooldownMs, 1, ending);
  return { state: next, event: { kind: 'opened', pool: state.pool, failures: failures.length, reason: ending, until: now + cooldownMs, cooldownMs } };
}

/** The circuit opened at `now` for `cooldownMs`: its failure count starts again from nothing. */
function opened(state: CircuitState, now: number, cooldownMs: number, trips: number, ending: 'agent_error' | 'rate_limited'): CircuitState {
  return { ...state, status: 'open', failures: [], openedAt: now, openUntil: now + cooldownMs, cooldownMs, trips, lastFailure: ending };
}

/** A stored state read back; anything malformed becomes a closed circuit (never blocks a pool forever). */
export function readCircuitState(pool: string, stored: unknown): CircuitState {
  const r = CircuitStateSchema.safeParse(stored);
  return r.success && r.data.pool === pool ? r.data : closedCircuit(pool);
}

/** One line for `/fleet status`, the dashboard and the tracking-issue comment. */
export function describeCircuitEvent(e: CircuitEvent): string {
  const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;
  const why = (r: 'agent_error' | 'rate_limited') => (r === 'rate_limited' ? 'the model API rate-limited or was overloaded' : 'the agent failed');
  switch (e.kind) {
    case 'opened':
      return `Pool \`${e.pool}\`: circuit opened after ${e.failures} failed runs in a row (last: ${why(e.reason)}); nothing is dispatched to it until ${new Date(e.until).toISOString()} (${minutes(e.cooldownMs)}).`;
    case 'reopened':
      return `Pool \`${e.pool}\`: the trial run failed too (${why(e.reason)}); circuit open again until ${new Date(e.until).toISOString()} (${minutes(e.cooldownMs)}, opening ${e.trips}).`;
    case 'closed':
      return `Pool \`${e.pool}\`: a trial run succeeded; circuit closed, dispatch resumes.`;
  }
}
