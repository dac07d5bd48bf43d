import type { ConflictMode } from '../core/pickAvoidingConflicts.js';

/**
 * Claims where every ready task the choice looked at overlapped work under way (issue 14): the
 * footprints left no way to keep agents apart. Under `avoid` the choice then either co-schedules
 * (a task that cannot wait without moving the finish date) or holds the claimer back; under
 * `forbid` it always holds it back. Reported by the conflict-aware choice
 * (app/queue/chooseAvoidingConflicts.ts) and counted by each server's metrics registry, like the
 * GitHub API calls (./githubApiMetrics.ts): process-wide, since the choice has no server of its own.
 */
export type AllOverlapOutcome = 'co_scheduled' | 'held';

export interface AllOverlapClaim {
  mode: Exclude<ConflictMode, 'ignore'>;
  outcome: AllOverlapOutcome;
}

type Listener = (e: AllOverlapClaim) => void;
const listeners = new Set<Listener>();

export function onAllOverlapClaim(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function reportAllOverlapClaim(e: AllOverlapClaim): void {
  // A listener's failure must never fail the claim it observes.
  for (const fn of listeners) {
    try {
      fn(e);
    } catch {
      // ignored
    }
  }
}
