import type { Db } from './store/db.js';
import type { Engine } from './engine/engine.js';
import type { Settings } from './config/env.js';
import { compactRollup } from './progress/store.js';
import { progressServiceFor } from './progress/service.js';
import { guardsFor } from './guards/guardsFor.js';

/** What registers periodic jobs: the server's Periodic (the sweep round run by one process at a time). */
export interface JobRegistry {
  register(name: string, everyRounds: number, job: () => Promise<unknown>): void;
}

/**
 * Every periodic job beyond the engine's own sweep, registered in this one place (route modules
 * register none). Each runs in the round's leader only, every `everyRounds` sweep rounds.
 * (The GitHub App's effect pruning and reconcile are still registered by app/github/mount.ts
 * when the App starts; they belong here once that module hands them over.)
 */
/** A job another part contributes (e.g. the GitHub App's effect pruning and reconcile). */
export interface PeriodicJobSpec {
  name: string;
  /** Runs every this many sweep rounds (SWEEP_INTERVAL_SECONDS each). */
  everyRounds: number;
  run: () => Promise<unknown>;
}

export function registerPeriodicJobs(
  periodic: JobRegistry,
  o: { db: Db; engine: Engine; settings: Pick<Settings, 'SNAPSHOT_INTERVAL_SECONDS' | 'SWEEP_INTERVAL_SECONDS'>; more?: readonly PeriodicJobSpec[] },
): void {
  const progress = progressServiceFor({ db: o.db, engine: o.engine });
  // Folding the progress tallies: every round, so summaries stay O(epics).
  periodic.register('progress.compact', 1, () => compactRollup(o.db));
  // A snapshot of every project every SNAPSHOT_INTERVAL_SECONDS (default 15 minutes): burndown and velocity.
  const every = Math.max(1, Math.round(o.settings.SNAPSHOT_INTERVAL_SECONDS / o.settings.SWEEP_INTERVAL_SECONDS));
  periodic.register('progress.snapshot', every, () => progress.snapshot(null));
  // Issue 15: backoff holds whose time has come go back to the queue.
  periodic.register('guards.sweep', 1, () => guardsFor(o).sweep());
  for (const j of o.more ?? []) periodic.register(j.name, j.everyRounds, j.run);
}
