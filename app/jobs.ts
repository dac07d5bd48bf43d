import type { Db } from './store/db.js';
import type { Engine } from './engine/engine.js';
import type { Settings } from './config/env.js';
import { compactRollup } from './progress/store.js';
import { progressServiceFor } from './progress/service.js';
import { guardsFor } from './guards/guardsFor.js';
import { githubJobs, type GitHubAppRuntime } from './github/ingest/githubJobs.js';

/** What registers periodic jobs: the server's Periodic (the sweep round run by one process at a time). */
export interface JobRegistry {
  register(name: string, everyRounds: number, job: () => Promise<unknown>): void;
}

/**
 * Every periodic job beyond the engine's own sweep, registered in this one place (route modules
 * register none). Each runs in the round's leader only, every `everyRounds` sweep rounds.
 * `github`: the GitHub App's slot (app/github/ingest/mount.ts); its jobs run once the App does.
 */
export function registerPeriodicJobs(
  periodic: JobRegistry,
  o: {
    db: Db;
    engine: Engine;
    settings: Pick<Settings, 'SNAPSHOT_INTERVAL_SECONDS' | 'SWEEP_INTERVAL_SECONDS'>;
    github?: { runtime(): GitHubAppRuntime | null } | undefined;
  },
): void {
  const progress = progressServiceFor({ db: o.db, engine: o.engine });
  // Folding the progress tallies: every round, so summaries stay O(epics).
  periodic.register('progress.compact', 1, () => compactRollup(o.db));
  // A snapshot of every project every SNAPSHOT_INTERVAL_SECONDS (default 15 minutes): burndown and velocity.
  const every = Math.max(1, Math.round(o.settings.SNAPSHOT_INTERVAL_SECONDS / o.settings.SWEEP_INTERVAL_SECONDS));
  periodic.register('progress.snapshot', every, () => progress.snapshot(null));
  // Issue 15: backoff holds whose time has come go back to the queue.
  periodic.register('guards.sweep', 1, () => guardsFor(o).sweep());
  // The GitHub App's effect pruning, guard writes and reconcile.
  const github = o.github;
  if (github) for (const j of githubJobs({ db: o.db, engine: o.engine, runtime: () => github.runtime() })) periodic.register(j.name, j.everyRounds, j.run);
}
