import type { Db } from '../store/db.js';
import {
  DAY_MS,
  etaByVelocity,
  etaFromMakespan,
  percentDone,
  round2,
  totals,
  velocityPerDay,
  type Eta,
  type HistoryPoint,
  type StatusCounts,
  type Tally,
} from './maths.js';
import { COMPACT_ABOVE, compactRollup, foldTallies, readActiveAgents, readEpics, readTallyRows, readVelocityBases } from './store.js';
import type { SimulationEta, VelocityEtaCache } from './velocityEta.js';
import { dayStartOf, spendRollups, type SpendRollups } from '../guards/spendRollups.js';
import { guardSettings } from '../guards/sql/guardSettings.js';
import { taskSpend } from '../guards/sql/taskSpend.js';

/** Progress per epic and overall: tallies (O(epics), not O(tasks)), velocity and the two ETAs. */

export interface TallyJson {
  tasks_by_status: StatusCounts;
  hours_done: number;
  hours_total: number;
}

export interface SummaryJson {
  epics: ({ epic: string; title: string; project: string } & TallyJson & { percent: number })[];
  overall: TallyJson & {
    overall_percent: number;
    hours_remaining: number;
    velocity_hours_per_day: number | null;
    active_agents: number;
    eta: { by_velocity: Eta | null; by_simulation: SimulationEta | null };
  };
  /** Issue 15: spend, burn rate and budget left of the one project asked for (null across projects). */
  spend: SpendRollups | null;
}

export interface SummaryDeps {
  db: Db;
  leaseTtlSeconds: number;
  /** Window of the velocity, in days. */
  velocityWindowDays: number;
  etas: VelocityEtaCache;
  now: () => Date;
}

export const tallyJson = (t: Tally): TallyJson => {
  const s = totals(t);
  return { tasks_by_status: { ...t.tasks }, hours_done: s.hoursDone, hours_total: s.hoursTotal };
};

export async function progressSummary(d: SummaryDeps, projectId: number | null): Promise<SummaryJson> {
  let rows = await readTallyRows(d.db, projectId);
  if (rows.reduce((n, r) => n + r.deltas, 0) > COMPACT_ABOVE) {
    await compactRollup(d.db);
    rows = await readTallyRows(d.db, projectId);
  }
  const now = d.now();
  const windowDays = d.velocityWindowDays;
  const [epics, fleet, bases] = await Promise.all([
    readEpics(d.db, projectId),
    readActiveAgents(d.db, d.leaseTtlSeconds),
    readVelocityBases(d.db, projectId, new Date(now.getTime() - windowDays * DAY_MS)),
  ]);
  const { byProject, byEpic, all } = foldTallies(rows);

  // Velocity is additive over projects; each from its own snapshots and its live hours done.
  let velocity: number | null = null;
  for (const b of bases) {
    const pts: HistoryPoint[] = [];
    if (b.before_at) pts.push({ at: new Date(b.before_at), hoursDone: Number(b.before_done) });
    if (b.inside_at) pts.push({ at: new Date(b.inside_at), hoursDone: Number(b.inside_done) });
    if (!pts.length) continue;
    const live = byProject.get(b.project_id);
    pts.push({ at: now, hoursDone: live ? totals(live).hoursDone : 0 });
    const v = velocityPerDay(pts, now, { windowDays });
    if (v !== null) velocity = round2((velocity ?? 0) + v);
  }

  const overall = totals(all);
  const remaining = round2(overall.hoursTotal - overall.hoursDone);
  const sim = await d.etas.simulation(projectId, all, fleet.workers);
  let bySimulation: SimulationEta | null = null;
  if (sim && sim.stuck === 0 && Number.isFinite(sim.makespan)) {
    const eta = etaFromMakespan(sim.makespan, sim.workers, velocity, now);
    if (eta) bySimulation = { ...eta, workers: sim.workers, as_of: sim.at.toISOString(), stuck_tasks: sim.stuck };
  }

  const guard = projectId === null ? null : await guardSettings(d.db, projectId);
  const spend = guard && projectId !== null ? spendRollups(guard.budgets, await taskSpend(d.db, projectId, dayStartOf(now.getTime())), now.getTime()) : null;

  return {
    spend,
    epics: epics.map((e) => {
      const t = byEpic.get(e.id) ?? foldTallies([]).all;
      const s = totals(t);
      return { epic: e.key, title: e.title, project: e.project, ...tallyJson(t), percent: percentDone(s) };
    }),
    overall: {
      ...tallyJson(all),
      overall_percent: percentDone(overall),
      hours_remaining: remaining,
      velocity_hours_per_day: velocity,
      active_agents: fleet.agents,
      eta: { by_velocity: etaByVelocity(remaining, velocity, now), by_simulation: bySimulation },
    },
  };
}
