import type { Db } from '../../store/db.js';
import type { BaselineResponse, ForecastResponse } from '../../../schema/apiResponses.js';
import { DEFAULT_PRIORS, type Priors } from './calibration.js';
import { dateAfter, fleetCapacityOf, hoursPerDayOf, LOCAL_FLEET_CAPACITY, reviewPriorHoursOf } from './fleetSettings.js';
import { runForecast } from './runForecast.js';
import { readActiveWorkers } from './sql/activeWorkers.js';
import { readDependencyRows } from './sql/dependencyRows.js';
import { readEpicTotals } from './sql/epicTotals.js';
import { readFirstPassOutcomes } from './sql/firstPassOutcomes.js';
import { readLatestBaseline } from './sql/latestBaseline.js';
import { projectById } from '../../engine/sql/projectById.js';
import { readRatioObservations } from './sql/ratioObservations.js';
import { readRemainingTasks } from './sql/remainingTasks.js';
import { readReviewLatencies } from './sql/reviewLatencies.js';
import { readStateFingerprint } from './sql/stateFingerprint.js';

export interface ForecastQuery {
  /** Agents to plan with (the what-if); else the active agents, else the fleet's capacity. */
  agents?: number | undefined;
  runs: number;
  seed: number;
}

export type AgentSource = ForecastJson['agents']['source'];

export interface ForecastServiceOptions {
  leaseTtlSeconds: number;
  /** A project's `.github/fleet.yml` as parsed; absent or throwing means "not readable now". */
  repoConfig?: ((p: { owner: string; repo: string }) => Promise<unknown> | unknown) | undefined;
  /** Plans above this many remaining tasks are forecast on a worker thread. */
  workerAbove?: number;
  now?: () => Date;
}

/** The answers' shapes are the API's contract (schema/apiResponses.ts). */
export type ForecastJson = ForecastResponse;
export type BaselineJson = BaselineResponse;
type Quantile = ForecastJson['p50'];

interface CacheEntry {
  fingerprint: string;
  value: Promise<ForecastJson>;
}

const ON_TRACK_HOURS = 1;
const verdict = (deltaHours: number): 'ahead' | 'on_track' | 'behind' => (deltaHours > ON_TRACK_HOURS ? 'behind' : deltaHours < -ON_TRACK_HOURS ? 'ahead' : 'on_track');
const r2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The forecast and the baseline from the database. Each answer is cached per project and query
 * until the project's state changes (tasks, attempts, dependencies, agents, baseline).
 */
export class ForecastService {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => Date;

  constructor(
    readonly db: Db,
    private readonly o: ForecastServiceOptions,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  async forecast(projectId: number | null, q: ForecastQuery): Promise<ForecastJson> {
    const fingerprint = await readStateFingerprint(this.db, projectId, this.o.leaseTtlSeconds);
    const key = JSON.stringify([projectId, q.agents ?? null, q.runs, q.seed]);
    const hit = this.cache.get(key);
    if (hit && hit.fingerprint === fingerprint) return hit.value;
    const value = this.compute(projectId, q);
    this.cache.set(key, { fingerprint, value });
    // A failed run is not remembered.
    value.catch(() => {
      if (this.cache.get(key)?.value === value) this.cache.delete(key);
    });
    if (this.cache.size > 500) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  /** The project's configuration, or undefined (local, or not readable now: then it is said). */
  private async settings(projectId: number | null, assumptions: string[]): Promise<{ config: unknown; local: boolean; name: string | null }> {
    if (projectId === null) return { config: undefined, local: true, name: null };
    const p = await projectById(this.db, projectId);
    const name = p ? `${p.owner}/${p.repo}` : null;
    if (!p || p.installationId === null || !this.o.repoConfig) return { config: undefined, local: true, name };
    try {
      return { config: await this.o.repoConfig({ owner: p.owner, repo: p.repo }), local: false, name };
    } catch {
      assumptions.push('.github/fleet.yml could not be read now: the defaults are used (capacity 16, 24 h a day)');
      return { config: undefined, local: true, name };
    }
  }

  private async compute(projectId: number | null, q: ForecastQuery): Promise<ForecastJson> {
    const assumptions: string[] = [];
    const at = this.now();
    const { config, local, name } = await this.settings(projectId, assumptions);
    const [rows, deps, epics, ratios, firstPass, reviewHours, workers, baseline] = await Promise.all([
      readRemainingTasks(this.db, projectId),
      readDependencyRows(this.db, projectId),
      readEpicTotals(this.db, projectId),
      readRatioObservations(this.db, projectId),
      readFirstPassOutcomes(this.db, projectId),
      readReviewLatencies(this.db, projectId),
      readActiveWorkers(this.db, this.o.leaseTtlSeconds),
      projectId === null ? Promise.resolve(null) : readLatestBaseline(this.db, projectId),
    ]);

    let agents: { count: number; source: AgentSource };
    if (q.agents !== undefined) agents = { count: q.agents, source: 'query' };
    else if (workers > 0) agents = { count: workers, source: 'active_agents' };
    else {
      const capacity = local ? null : fleetCapacityOf(config);
      agents = capacity !== null ? { count: capacity, source: 'fleet_capacity' } : { count: LOCAL_FLEET_CAPACITY, source: 'local_default' };
    }
    const hoursPerDay = hoursPerDayOf(config);
    const priors: Priors = { ...DEFAULT_PRIORS, review: { medianHours: reviewPriorHoursOf(config), sigma: DEFAULT_PRIORS.review.sigma } };

    // The rows go to the forecast as they are: a big plan's work is built on a worker thread.
    const core = await runForecast({ rows, deps, epics }, { agents: agents.count, runs: q.runs, seed: q.seed, observations: { ratios, firstPass, reviewHours }, priors }, { workerAbove: this.o.workerAbove });

    const c = core.calibration;
    assumptions.push(
      agents.source === 'query'
        ? `${agents.count} agent(s), as asked`
        : agents.source === 'active_agents'
          ? `${agents.count} agent slot(s): the active agents' capacity`
          : agents.source === 'fleet_capacity'
            ? `${agents.count} agent(s): the pools' capacity in .github/fleet.yml (no agent is active)`
            : `${agents.count} agents: the default for a local project (no agent is active)`,
      c.source.ratio === 'observed'
        ? `task durations: estimate × the project's ${c.observations} observed actual/estimate ratios (smoothed)`
        : `task durations: estimate × a lognormal ratio (median ${priors.ratio.median}, σ ${priors.ratio.sigma}); ${c.observations} observation(s), fewer than ${priors.minObservations}`,
      c.source.retry === 'prior'
        ? `each task is redone with probability ${c.retry_rate} (the prior: no attempt has an outcome yet)`
        : `each task is redone with probability ${c.retry_rate} (${firstPass.redone} of ${firstPass.tasks} first attempts failed or were sent back, weighed with a prior of ${priors.retryRate})`,
      c.source.review === 'observed'
        ? `review to merge: drawn from ${reviewHours.length} observed latencies (median ${c.review_hours_median} h)`
        : `review to merge: ${priors.review.medianHours > 0 ? `lognormal prior, median ${priors.review.medianHours} h` : 'no time (no history; forecast.reviewPriorHours sets a prior)'}`,
      'review time is counted on the task\'s agent; held tasks are assumed released',
      `${hoursPerDay} working hour(s) per calendar day (calendar.hoursPerDay)`,
      `${core.runs} runs, seed ${q.seed}`,
    );
    if (core.stuck.length) assumptions.push(`left out, they can never start (a dependency cycle): ${core.stuck.slice(0, 20).join(', ')}`);

    const date = (h: number): string => dateAfter(at, h, hoursPerDay).toISOString();
    const quant = (h: number): Quantile => ({ hours: h, date: date(h) });
    const planned = new Map((baseline?.tasks ?? []).map((t) => [t.key, t]));
    return {
      project: name,
      as_of: at.toISOString(),
      p10: quant(core.p10),
      p50: quant(core.p50),
      p80: quant(core.p80),
      p90: quant(core.p90),
      bound_hours: core.boundHours,
      critical_path: core.criticalPath,
      agents,
      runs: core.runs,
      seed: q.seed,
      calibration: { observations: c.observations, ratio_median: c.ratio_median, ratio_p90: c.ratio_p90, retry_rate: c.retry_rate, review_hours_median: c.review_hours_median },
      assumptions,
      hours_per_day: hoursPerDay,
      remaining_hours: core.remainingHours,
      band: core.band,
      tasks: core.tasks.map((t) => {
        const finish = dateAfter(at, t.finish_hours, hoursPerDay);
        const p = planned.get(t.key);
        const delta = p ? r2((finish.getTime() - p.plannedFinish.getTime()) / 3_600_000) : 0;
        return {
          key: t.key,
          finish_hours: t.finish_hours,
          finish_date: finish.toISOString(),
          slack_hours: t.slack_hours,
          critical_share: t.critical_share,
          baseline: p ? { planned_finish: p.plannedFinish.toISOString(), delta_hours: delta, status: verdict(delta) } : null,
        };
      }),
    };
  }

  /** The baseline in force with its planned burndown and each task against it; null when none. */
  async baseline(projectId: number): Promise<BaselineJson | null> {
    const [b, p] = await Promise.all([readLatestBaseline(this.db, projectId), projectById(this.db, projectId)]);
    if (!b || !p) return null;
    const now = this.now().getTime();
    const total = b.tasks.reduce((s, t) => s + t.estimatedHours, 0);
    const finishes = [...new Set(b.tasks.map((t) => t.finishHours))].sort((x, y) => x - y);
    const burndown = [{ at: b.createdAt.toISOString(), hours_remaining: r2(total) }];
    let left = total;
    const byFinish = new Map<number, number>();
    for (const t of b.tasks) byFinish.set(t.finishHours, (byFinish.get(t.finishHours) ?? 0) + t.estimatedHours);
    for (const f of finishes) {
      left -= byFinish.get(f)!;
      burndown.push({ at: dateAfter(b.createdAt, f, b.hoursPerDay).toISOString(), hours_remaining: r2(Math.max(0, left)) });
    }
    return {
      project: `${p.owner}/${p.repo}`,
      created_at: b.createdAt.toISOString(),
      reason: b.reason,
      agents: b.agents,
      hours_per_day: b.hoursPerDay,
      makespan_hours: b.makespanHours,
      burndown,
      tasks: b.tasks.map((t) => {
        let state: BaselineJson['tasks'][number]['state'] = 'pending';
        if (t.completedAt && t.status === 'done') state = verdict((t.completedAt.getTime() - t.plannedFinish.getTime()) / 3_600_000);
        else if (t.plannedFinish.getTime() < now - ON_TRACK_HOURS * 3_600_000) state = 'behind';
        return {
          key: t.key,
          estimated_hours: t.estimatedHours,
          planned_start: t.plannedStart.toISOString(),
          planned_finish: t.plannedFinish.toISOString(),
          status: t.status,
          completed_at: t.completedAt ? t.completedAt.toISOString() : null,
          state,
        };
      }),
    };
  }
}
