import type { Db } from '../store/db.js';
import { TASK_STATUSES } from '../core/taskStatus.js';
import { totals, type Eta, type Tally } from './maths.js';
import { simulateRemaining } from './simulate.js';
import { foldTallies, readSimulationInput, readTallyRows } from './store.js';

/**
 * The forecast cache behind the summary's `eta.by_simulation`: the simulated makespan of the
 * remaining work per project, recomputed when the counts or the fleet change (inline for plans
 * of ordinary size, in the background for huge ones). (The P50/P90 forecast lives apart, in
 * app/progress/forecast.)
 */

export interface SimulationEta extends Eta {
  basis: 'observed_rate' | 'estimate_pace';
  workers: number;
  /** When the simulation ran (it is recomputed when the work or the fleet changes). */
  as_of: string;
  stuck_tasks: number;
}

export interface SimCacheEntry {
  fingerprint: string;
  at: Date;
  makespan: number;
  stuck: number;
  workers: number;
  /** How long the run took (spaces background re-runs on huge plans). */
  tookMs: number;
}

export interface VelocityEtaOptions {
  /** Simulations over at most this many remaining tasks run inline when stale (default 5000). */
  inlineSimulationMax?: number | undefined;
  now: () => Date;
}

export class VelocityEtaCache {
  private readonly sims = new Map<string, SimCacheEntry>();
  private readonly runs = new Map<string, Promise<SimCacheEntry | null>>();

  constructor(
    private readonly db: Db,
    private readonly o: VelocityEtaOptions,
  ) {}

  /** The cached simulation, recomputed when counts or workers changed since it ran. */
  async simulation(projectId: number | null, all: Tally, workers: number): Promise<SimCacheEntry | null> {
    const key = projectId === null ? 'all' : String(projectId);
    if (workers < 1) return null;
    const fingerprint = JSON.stringify([workers, all.tasks, all.hours]);
    const cached = this.sims.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached;
    const remainingTasks = TASK_STATUSES.filter((s) => s !== 'done' && s !== 'cancelled').reduce((n, s) => n + all.tasks[s], 0);
    const start = () => this.runs.get(key) ?? this.run(key, projectId, workers, fingerprint);
    if (cached && remainingTasks > (this.o.inlineSimulationMax ?? 5000)) {
      // Huge plan: answer with the last forecast (its as_of says when); a fresh one runs in the
      // background, one at a time, spaced so that it takes at most ~5% of the process.
      const due = cached.at.getTime() + Math.max(5_000, 20 * cached.tookMs);
      if (this.o.now().getTime() >= due) void start().catch(() => undefined);
      return cached;
    }
    return start();
  }

  private run(key: string, projectId: number | null, workers: number, fingerprint: string): Promise<SimCacheEntry | null> {
    const run = (async () => {
      const at = this.o.now();
      const t0 = performance.now();
      const [input, rows] = await Promise.all([readSimulationInput(this.db, projectId), readTallyRows(this.db, projectId)]);
      const { byEpic } = foldTallies(rows);
      const epics = [...byEpic].map(([id, t]) => {
        const s = totals(t);
        return { id, hoursTotal: s.hoursTotal, hoursDone: s.hoursDone, tasksTotal: s.tasksTotal, tasksDone: s.tasksDone };
      });
      const res = simulateRemaining({ tasks: input.tasks, edges: input.edges, epics, workers });
      const entry: SimCacheEntry = { fingerprint, at, makespan: res.makespanHours, stuck: res.stuck.length, workers, tookMs: performance.now() - t0 };
      this.sims.set(key, entry);
      return entry;
    })().finally(() => this.runs.delete(key));
    this.runs.set(key, run);
    return run;
  }
}
