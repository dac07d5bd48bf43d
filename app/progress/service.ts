import type { Db } from '../store/db.js';
import type { EventBus } from '../engine/events.js';
import { TASK_STATUSES } from '../core/taskStatus.js';
import {
  DAY_MS,
  etaByVelocity,
  etaFromMakespan,
  heartbeatHealth,
  percentDone,
  round2,
  totals,
  utilisationPercent,
  velocityPerDay,
  type Eta,
  type HistoryPoint,
  type StatusCounts,
  type Tally,
} from './maths.js';
import { simulateRemaining } from './simulate.js';
import { criticalPath, type Edge } from './graph.js';
import {
  COMPACT_ABOVE,
  compactRollup,
  foldTallies,
  readActiveAgents,
  readEpics,
  readSimulationInput,
  readTallyRows,
  readVelocityBases,
} from './store.js';

export interface ProgressOptions {
  leaseTtlSeconds: number;
  events?: EventBus | undefined;
  /** Window of the velocity, in days (default 7). */
  velocityWindowDays?: number;
  /** Simulations over at most this many remaining tasks run inline when stale (default 5000). */
  inlineSimulationMax?: number;
  now?: () => Date;
}

export interface TallyJson {
  tasks_by_status: StatusCounts;
  hours_done: number;
  hours_total: number;
}

export interface SimulationEta extends Eta {
  basis: 'observed_rate' | 'estimate_pace';
  workers: number;
  /** When the simulation ran (it is recomputed when the work or the fleet changes). */
  as_of: string;
  stuck_tasks: number;
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
}

interface SimCacheEntry {
  fingerprint: string;
  at: Date;
  makespan: number;
  stuck: number;
  workers: number;
  /** How long the run took (spaces background re-runs on huge plans). */
  tookMs: number;
}

const tallyJson = (t: Tally): TallyJson => {
  const s = totals(t);
  return { tasks_by_status: { ...t.tasks }, hours_done: s.hoursDone, hours_total: s.hoursTotal };
};

/**
 * Progress, velocity and ETA from the database. The summary reads incrementally kept tallies
 * (O(epics), not O(tasks)); the simulation is cached per project and recomputed when the counts
 * or the fleet change (inline for plans of ordinary size, in the background for huge ones).
 */
export class ProgressService {
  private readonly sims = new Map<string, SimCacheEntry>();
  private readonly simRuns = new Map<string, Promise<SimCacheEntry | null>>();
  private readonly now: () => Date;

  constructor(
    readonly db: Db,
    private readonly o: ProgressOptions,
  ) {
    this.now = o.now ?? (() => new Date());
  }

  async summary(projectId: number | null): Promise<SummaryJson> {
    let rows = await readTallyRows(this.db, projectId);
    if (rows.reduce((n, r) => n + r.deltas, 0) > COMPACT_ABOVE) {
      await compactRollup(this.db);
      rows = await readTallyRows(this.db, projectId);
    }
    const now = this.now();
    const windowDays = this.o.velocityWindowDays ?? 7;
    const [epics, fleet, bases] = await Promise.all([
      readEpics(this.db, projectId),
      readActiveAgents(this.db, this.o.leaseTtlSeconds),
      readVelocityBases(this.db, projectId, new Date(now.getTime() - windowDays * DAY_MS)),
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
    const sim = await this.simulation(projectId, all, fleet.workers);
    let bySimulation: SimulationEta | null = null;
    if (sim && sim.stuck === 0 && Number.isFinite(sim.makespan)) {
      const eta = etaFromMakespan(sim.makespan, sim.workers, velocity, now);
      if (eta) bySimulation = { ...eta, workers: sim.workers, as_of: sim.at.toISOString(), stuck_tasks: sim.stuck };
    }

    return {
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

  /** The cached simulation, recomputed when counts or workers changed since it ran. */
  private async simulation(projectId: number | null, all: Tally, workers: number): Promise<SimCacheEntry | null> {
    const key = projectId === null ? 'all' : String(projectId);
    if (workers < 1) return null;
    const fingerprint = JSON.stringify([workers, all.tasks, all.hours]);
    const cached = this.sims.get(key);
    if (cached && cached.fingerprint === fingerprint) return cached;
    const remainingTasks = TASK_STATUSES.filter((s) => s !== 'done' && s !== 'cancelled').reduce((n, s) => n + all.tasks[s], 0);
    const start = () => this.simRuns.get(key) ?? this.runSimulation(key, projectId, workers, fingerprint);
    if (cached && remainingTasks > (this.o.inlineSimulationMax ?? 5000)) {
      // Huge plan: answer with the last forecast (its as_of says when); a fresh one runs in the
      // background, one at a time, spaced so that it takes at most ~5% of the process.
      const due = cached.at.getTime() + Math.max(5_000, 20 * cached.tookMs);
      if (this.now().getTime() >= due) void start().catch(() => undefined);
      return cached;
    }
    return start();
  }

  private runSimulation(key: string, projectId: number | null, workers: number, fingerprint: string): Promise<SimCacheEntry | null> {
    const run = (async () => {
      const at = this.now();
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
    })().finally(() => this.simRuns.delete(key));
    this.simRuns.set(key, run);
    return run;
  }

  /** Takes a snapshot of every project (or one) and tells listeners. */
  async snapshot(projectId: number | null): Promise<SnapshotJson[]> {
    await compactRollup(this.db);
    const [rows, fleet, projects] = await Promise.all([
      readTallyRows(this.db, projectId),
      readActiveAgents(this.db, this.o.leaseTtlSeconds),
      this.db.query<{ id: number }>('SELECT id FROM projects WHERE ($1::bigint IS NULL OR id = $1) ORDER BY id', [projectId]),
    ]);
    const { byProject } = foldTallies(rows);
    const ids = projects.rows.map((p) => Number(p.id));
    if (!ids.length) return [];
    const tallies = ids.map((id) => byProject.get(id) ?? foldTallies([]).all);
    const t = tallies.map(totals);
    const { rows: inserted } = await this.db.query<SnapshotRow>(
      `INSERT INTO progress_snapshots (project_id, tasks_total, tasks_done, hours_total, hours_done, active_agents, by_status)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::numeric[], $5::numeric[], $6::int[], $7::jsonb[])
       RETURNING ${SNAPSHOT_COLUMNS}`,
      [
        ids,
        t.map((x) => x.tasksTotal),
        t.map((x) => x.tasksDone),
        t.map((x) => x.hoursTotal),
        t.map((x) => x.hoursDone),
        ids.map(() => fleet.agents),
        tallies.map((x) => JSON.stringify({ tasks: x.tasks, hours: x.hours })),
      ],
    );
    const out = inserted.map(snapshotJson);
    this.o.events?.publish('progress.snapshot', { snapshots: out.map((s) => ({ project_id: s.project_id, taken_at: s.taken_at, hours_done: s.hours_done, hours_total: s.hours_total })) });
    return out;
  }

  /** Snapshots of a project in time order: after `since` (the first `limit`), else the latest `limit`. */
  async history(projectId: number, since: Date | null, limit: number): Promise<{ snapshots: SnapshotJson[]; more: boolean }> {
    const { rows } = await this.db.query<SnapshotRow>(
      since
        ? `SELECT ${SNAPSHOT_COLUMNS} FROM progress_snapshots WHERE project_id = $1 AND taken_at > $2 ORDER BY taken_at ASC, id ASC LIMIT $3`
        : `SELECT ${SNAPSHOT_COLUMNS} FROM progress_snapshots WHERE project_id = $1 AND $2::timestamptz IS NULL ORDER BY taken_at DESC, id DESC LIMIT $3`,
      [projectId, since, limit + 1],
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    if (!since) page.reverse();
    return { snapshots: page.map(snapshotJson), more };
  }

  /** Per agent: pool, live work, utilisation of its own capacity over the window, outcomes, heartbeat health. */
  async agents(windowHours: number): Promise<AgentProgressJson[]> {
    const [agents, live] = await Promise.all([
      this.db.query<{
        id: number;
        name: string;
        pool: string;
        kind: string;
        labels: string[];
        capacity: number;
        active: boolean;
        last_heartbeat_at: Date | null;
        hb_age: number | null;
        window_s: number;
        busy_s: number;
        tasks_done: number;
        failures: number;
        done_in_window: number;
        failures_in_window: number;
      }>(
        `SELECT a.id, a.name, a.pool, a.kind, a.labels, a.capacity, a.active, a.last_heartbeat_at,
                EXTRACT(EPOCH FROM (now() - a.last_heartbeat_at))::float8 AS hb_age,
                GREATEST(0, EXTRACT(EPOCH FROM LEAST(now() - a.created_at, $1 * interval '1 hour')))::float8 AS window_s,
                COALESCE(w.busy_s, 0)::float8 AS busy_s,
                COALESCE(w.done_in_window, 0)::int AS done_in_window, COALESCE(w.failures_in_window, 0)::int AS failures_in_window,
                (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status = 'completed')::int AS tasks_done,
                (SELECT count(*) FROM assignments s WHERE s.agent_id = a.id AND s.status IN ('failed', 'expired'))::int AS failures
         FROM agents a
         LEFT JOIN LATERAL (
           SELECT sum(EXTRACT(EPOCH FROM (LEAST(COALESCE(s.ended_at, now()), now()) - GREATEST(s.created_at, now() - $1 * interval '1 hour', a.created_at)))) AS busy_s,
                  count(*) FILTER (WHERE s.status = 'completed') AS done_in_window,
                  count(*) FILTER (WHERE s.status IN ('failed', 'expired')) AS failures_in_window
           FROM assignments s
           WHERE s.agent_id = a.id AND (s.ended_at IS NULL OR s.ended_at > now() - $1 * interval '1 hour') AND s.created_at < now()
         ) w ON true
         ORDER BY a.name
         LIMIT 1000`,
        [windowHours],
      ),
      this.db.query<{
        agent_id: number;
        assignment_id: number;
        epoch: number;
        percent_complete: number;
        lease_expires_at: Date;
        task_id: number;
        key: string;
        title: string;
        status: string;
        project: string;
      }>(
        `SELECT s.agent_id, s.id AS assignment_id, s.epoch, s.percent_complete, s.lease_expires_at,
                t.id AS task_id, t.key, t.title, t.status, p.owner || '/' || p.repo AS project
         FROM assignments s JOIN tasks t ON t.id = s.task_id JOIN projects p ON p.id = t.project_id
         WHERE s.status = 'active' ORDER BY s.created_at LIMIT 10000`,
      ),
    ]);
    const byAgent = new Map<number, AgentProgressJson['current_tasks']>();
    for (const r of live.rows) {
      const list = byAgent.get(Number(r.agent_id)) ?? byAgent.set(Number(r.agent_id), []).get(Number(r.agent_id))!;
      list.push({
        task_id: Number(r.task_id),
        key: r.key,
        title: r.title,
        status: r.status,
        project: r.project,
        assignment_id: Number(r.assignment_id),
        epoch: Number(r.epoch),
        percent_complete: r.percent_complete,
        lease_expires_at: new Date(r.lease_expires_at).toISOString(),
      });
    }
    return agents.rows.map((a) => {
      const age = a.hb_age === null ? null : Math.max(0, Number(a.hb_age));
      return {
        id: Number(a.id),
        name: a.name,
        pool: a.pool,
        kind: a.kind,
        labels: a.labels ?? [],
        capacity: a.capacity,
        active: a.active,
        current_tasks: byAgent.get(Number(a.id)) ?? [],
        utilisation_percent: utilisationPercent(Number(a.busy_s), a.capacity, Number(a.window_s)),
        window_hours: windowHours,
        tasks_done: a.tasks_done,
        failures: a.failures,
        tasks_done_in_window: a.done_in_window,
        failures_in_window: a.failures_in_window,
        heartbeat: {
          last_at: a.last_heartbeat_at ? new Date(a.last_heartbeat_at).toISOString() : null,
          age_seconds: age === null ? null : Math.round(age),
          health: heartbeatHealth(age, this.o.leaseTtlSeconds, a.active),
        },
      };
    });
  }

  /** The dependency graph for the dashboard: tasks, edges (epic prerequisites expanded), critical path of remaining hours. */
  async graph(projectId: number | null, limit: number): Promise<GraphJson> {
    const { rows: tasks } = await this.db.query<{ id: number; key: string; title: string; epic_id: number | null; epic: string | null; status: string; hours: number; ready: boolean; pr_number: number | null }>(
      `SELECT t.id, t.key, t.title, t.epic_id, e.key AS epic, t.status, t.estimated_hours::float8 AS hours,
              (t.status = 'pending' AND NOT t.held AND t.ready_since IS NOT NULL) AS ready, t.pr_number
       FROM tasks t LEFT JOIN epics e ON e.id = t.epic_id
       WHERE ($1::bigint IS NULL OR t.project_id = $1)
       ORDER BY t.project_id, string_to_array(regexp_replace(t.key, '[^0-9.]', '', 'g'), '.')::int[] NULLS LAST, t.key, t.id
       LIMIT $2`,
      [projectId, limit + 1],
    );
    const truncated = tasks.length > limit;
    const nodes = tasks.slice(0, limit).map((t) => ({ ...t, id: Number(t.id), epic_id: t.epic_id === null ? null : Number(t.epic_id), hours: Number(t.hours) }));
    const ids = nodes.map((n) => n.id);
    const { rows: deps } = await this.db.query<{ task_id: number | null; epic_id: number | null; depends_on_task_id: number | null; depends_on_epic_id: number | null; threshold_percent: number }>(
      `SELECT task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent::float8 AS threshold_percent FROM dependencies
       WHERE ($1::bigint IS NULL OR project_id = $1) LIMIT 200000`,
      [projectId],
    );
    const present = new Set(ids);
    const ofEpic = new Map<number, number[]>();
    for (const n of nodes) if (n.epic_id !== null) (ofEpic.get(n.epic_id) ?? ofEpic.set(n.epic_id, []).get(n.epic_id)!).push(n.id);
    const taskEdges: Edge[] = [];
    for (const d of deps) if (d.task_id !== null && d.depends_on_task_id !== null) taskEdges.push([Number(d.depends_on_task_id), Number(d.task_id)]);
    // Within an epic: its sinks (nothing in the epic depends on them) finish it; its sources start it.
    const epicOf = new Map(nodes.map((n) => [n.id, n.epic_id]));
    const innerOut = new Set<number>();
    const innerIn = new Set<number>();
    for (const [a, b] of taskEdges) {
      if (epicOf.get(a) !== undefined && epicOf.get(a) !== null && epicOf.get(a) === epicOf.get(b)) {
        innerOut.add(a);
        innerIn.add(b);
      }
    }
    const sinks = (epicId: number) => (ofEpic.get(epicId) ?? []).filter((id) => !innerOut.has(id));
    const sources = (epicId: number) => (ofEpic.get(epicId) ?? []).filter((id) => !innerIn.has(id));
    const edges: { from: number; to: number; kind: 'task' | 'epic'; threshold_percent: number }[] = [];
    for (const [a, b] of taskEdges) if (present.has(a) && present.has(b)) edges.push({ from: a, to: b, kind: 'task', threshold_percent: 100 });
    if (nodes.length <= 5000) {
      for (const d of deps) {
        if (d.depends_on_epic_id === null) continue;
        const pre = sinks(Number(d.depends_on_epic_id));
        const post = d.task_id !== null ? [Number(d.task_id)] : d.epic_id !== null ? sources(Number(d.epic_id)) : [];
        for (const a of pre) for (const b of post) if (present.has(a) && present.has(b)) edges.push({ from: a, to: b, kind: 'epic', threshold_percent: Number(d.threshold_percent) });
      }
    }
    const cp = criticalPath(
      nodes.map((n) => ({ id: n.id, hours: n.status === 'done' || n.status === 'cancelled' ? 0 : n.hours })),
      edges.map((e) => [e.from, e.to] as const),
    );
    // Finished work at the ends of the chain costs nothing more: the path shown is what remains.
    const hoursOf = new Map(nodes.map((n) => [n.id, n.status === 'done' || n.status === 'cancelled' ? 0 : n.hours]));
    cp.path = cp.path.filter((id) => (hoursOf.get(id) ?? 0) > 0);
    const onPath = new Set(cp.path);
    return {
      nodes: nodes.map((n) => ({ id: n.id, key: n.key, title: n.title, epic: n.epic, status: n.status, hours: n.hours, ready: n.ready, pr_number: n.pr_number, critical: onPath.has(n.id) })),
      edges,
      critical_path: { task_ids: cp.path, keys: cp.path.map((id) => nodes.find((n) => n.id === id)!.key), hours: cp.hours },
      truncated,
    };
  }
}

const SNAPSHOT_COLUMNS = 'id, project_id, taken_at, tasks_total, tasks_done, hours_total::float8 AS hours_total, hours_done::float8 AS hours_done, active_agents, by_status';

interface SnapshotRow {
  id: number;
  project_id: number;
  taken_at: Date;
  tasks_total: number;
  tasks_done: number;
  hours_total: number;
  hours_done: number;
  active_agents: number;
  by_status: unknown;
}

export interface SnapshotJson {
  id: number;
  project_id: number;
  taken_at: string;
  tasks_total: number;
  tasks_done: number;
  hours_total: number;
  hours_done: number;
  hours_remaining: number;
  active_agents: number;
  tasks_by_status: Record<string, number>;
}

function snapshotJson(r: SnapshotRow): SnapshotJson {
  const by = (r.by_status ?? {}) as { tasks?: Record<string, number> };
  return {
    id: Number(r.id),
    project_id: Number(r.project_id),
    taken_at: new Date(r.taken_at).toISOString(),
    tasks_total: r.tasks_total,
    tasks_done: r.tasks_done,
    hours_total: Number(r.hours_total),
    hours_done: Number(r.hours_done),
    hours_remaining: round2(Number(r.hours_total) - Number(r.hours_done)),
    active_agents: r.active_agents,
    tasks_by_status: by.tasks && typeof by.tasks === 'object' ? by.tasks : {},
  };
}

export interface AgentProgressJson {
  id: number;
  name: string;
  pool: string;
  kind: string;
  labels: string[];
  capacity: number;
  active: boolean;
  current_tasks: {
    task_id: number;
    key: string;
    title: string;
    status: string;
    project: string;
    assignment_id: number;
    epoch: number;
    percent_complete: number;
    lease_expires_at: string;
  }[];
  utilisation_percent: number;
  window_hours: number;
  tasks_done: number;
  failures: number;
  tasks_done_in_window: number;
  failures_in_window: number;
  heartbeat: { last_at: string | null; age_seconds: number | null; health: string };
}

export interface GraphJson {
  nodes: { id: number; key: string; title: string; epic: string | null; status: string; hours: number; ready: boolean; pr_number: number | null; critical: boolean }[];
  edges: { from: number; to: number; kind: 'task' | 'epic'; threshold_percent: number }[];
  critical_path: { task_ids: number[]; keys: string[]; hours: number };
  truncated: boolean;
}
