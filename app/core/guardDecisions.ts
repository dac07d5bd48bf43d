import { handOutDecision, runningDecision, type Budgets, type ExhaustedBudget, type SpendRollup } from './budgets.js';

/**
 * The two questions the engine asks on the guard rails of #15, answered in one place so the claim
 * path, the dispatcher and the heartbeat agree: may this task be handed out now, and must this
 * running task stop. Pure; the caller loads the facts.
 */

export interface HandOutFacts {
  /** The project is paused (`/fleet pause`, `fleet pause`, the API). */
  paused: boolean;
  budgets: Budgets;
  spend: SpendRollup;
  /** How many more tasks the pool's circuit lets through now (circuitBreaker.dispatchAllowance). */
  circuitAllowance: number;
}

export type HandOutGate =
  | { ok: true }
  | { ok: false; hold: 'paused'; message: string }
  | { ok: false; hold: 'circuit_open'; message: string }
  | { ok: false; hold: 'budget'; exhausted: ExhaustedBudget[]; message: string };

/** Paused first (it stops everything), then the pool's circuit, then the task's budgets. */
export function handOutGate(f: HandOutFacts): HandOutGate {
  if (f.paused) return { ok: false, hold: 'paused', message: 'the project is paused' };
  if (f.circuitAllowance <= 0) return { ok: false, hold: 'circuit_open', message: "the pool's circuit is open after repeated failures" };
  const b = handOutDecision(f.budgets, f.spend);
  return b.ok ? { ok: true } : { ok: false, hold: 'budget', exhausted: b.exhausted, message: b.message };
}

export interface RunningFacts {
  /** `/fleet stop <task>` (or its API) was given for this task. */
  stopRequested: boolean;
  paused: boolean;
  /** `.github/fleet.yml` `pause`: `drain` lets running jobs finish, `stop` stops them. */
  pauseMode: 'stop' | 'drain';
  budgets: Budgets;
  spend: SpendRollup;
}

export type StopAnswer = { stop: false } | { stop: true; reason: 'stopped' | 'paused' | 'budget'; message: string };

/** The heartbeat answer's `stop`: an explicit stop, a pause in `stop` mode, or a spent budget. */
export function heartbeatStop(f: RunningFacts): StopAnswer {
  if (f.stopRequested) return { stop: true, reason: 'stopped', message: 'stopped by /fleet stop' };
  if (f.paused && f.pauseMode === 'stop') return { stop: true, reason: 'paused', message: 'the project was paused with pause: stop' };
  const b = runningDecision(f.budgets, f.spend);
  return b.stop ? { stop: true, reason: 'budget', message: b.message } : { stop: false };
}
