import type { Db, Queryable } from '../store/db.js';
import { addToTally, emptyTally, type Tally } from './maths.js';
import type { SimEdge, SimStatus, SimTask } from './simulate.js';

/** SQL readers of the progress module. Every query is parameterised and bounded. */

/** Above this many unfolded deltas a reader folds them before answering. */
export const COMPACT_ABOVE = 5000;

export interface TallyRow {
  project_id: number;
  epic_id: number;
  status: string;
  tasks: number;
  hours: number;
  deltas: number;
}

/**
 * Task counts and hours per (project, epic, status): the folded rollup plus the deltas not yet
 * folded, in one statement (one snapshot). Costs O(epics x statuses + deltas), not O(tasks).
 */
export async function readTallyRows(db: Queryable, projectId: number | null): Promise<TallyRow[]> {
  const { rows } = await db.query<TallyRow>(
    `SELECT project_id, epic_id, status, sum(tasks)::float8 AS tasks, sum(hours)::float8 AS hours, sum(d)::int AS deltas
     FROM (SELECT project_id, epic_id, status, tasks, hours, 0 AS d FROM progress_rollup WHERE ($1::bigint IS NULL OR project_id = $1)
           UNION ALL
           SELECT project_id, epic_id, status, tasks, hours, 1 AS d FROM progress_rollup_delta WHERE ($1::bigint IS NULL OR project_id = $1)) x
     GROUP BY project_id, epic_id, status`,
    [projectId],
  );
  return rows.map((r) => ({ ...r, project_id: Number(r.project_id), epic_id: Number(r.epic_id), tasks: Number(r.tasks), hours: Number(r.hours), deltas: Number(r.deltas) }));
}

/** Folds the deltas into the rollup; one process at a time (others skip), one statement. */
export async function compactRollup(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows: lock } = await tx.query<{ got: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtext('fleet_rollup:' || current_schema())) AS got`,
    );
    if (!lock[0]?.got) return 0;
    const { rows } = await tx.query<{ n: number }>(
      `WITH d AS (DELETE FROM progress_rollup_delta RETURNING project_id, epic_id, status, tasks, hours),
            g AS (SELECT project_id, epic_id, status, sum(tasks) AS tasks, sum(hours) AS hours, count(*) AS n FROM d GROUP BY 1, 2, 3),
            up AS (INSERT INTO progress_rollup AS r (project_id, epic_id, status, tasks, hours)
                   SELECT g.project_id, g.epic_id, g.status, g.tasks, g.hours FROM g
                   WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = g.project_id)
                   ON CONFLICT (project_id, epic_id, status) DO UPDATE SET tasks = r.tasks + EXCLUDED.tasks, hours = r.hours + EXCLUDED.hours
                   RETURNING 1)
       SELECT COALESCE((SELECT sum(n) FROM g), 0)::int AS n`,
    );
    await tx.query('DELETE FROM progress_rollup WHERE tasks = 0 AND hours = 0');
    return Number(rows[0]?.n ?? 0);
  });
}

export interface EpicRow {
  id: number;
  project_id: number;
  project: string;
  key: string;
  title: string;
}

export async function readEpics(db: Queryable, projectId: number | null): Promise<EpicRow[]> {
  const { rows } = await db.query<EpicRow>(
    `SELECT e.id, e.project_id, p.owner || '/' || p.repo AS project, e.key, e.title
     FROM epics e JOIN projects p ON p.id = e.project_id
     WHERE ($1::bigint IS NULL OR e.project_id = $1)
     ORDER BY p.owner, p.repo, (CASE WHEN e.key ~ '^[0-9]{1,9}$' THEN e.key::int END) NULLS LAST, e.key`,
    [projectId],
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), project_id: Number(r.project_id) }));
}

/** Tallies per project and per epic from the rows (epic 0 = tasks without an epic). */
export function foldTallies(rows: readonly TallyRow[]): { byProject: Map<number, Tally>; byEpic: Map<number, Tally>; all: Tally } {
  const byProject = new Map<number, Tally>();
  const byEpic = new Map<number, Tally>();
  const all = emptyTally();
  for (const r of rows) {
    if (r.tasks === 0 && r.hours === 0) continue;
    const p = byProject.get(r.project_id) ?? byProject.set(r.project_id, emptyTally()).get(r.project_id)!;
    addToTally(p, r.status, r.tasks, r.hours);
    if (r.epic_id !== 0) {
      const e = byEpic.get(r.epic_id) ?? byEpic.set(r.epic_id, emptyTally()).get(r.epic_id)!;
      addToTally(e, r.status, r.tasks, r.hours);
    }
    addToTally(all, r.status, r.tasks, r.hours);
  }
  return { byProject, byEpic, all };
}

/**
 * Agents counted as active: not deactivated, and either heard from within one lease or holding
 * live work. `workers` is the sum of their capacities (the parallelism the simulation uses).
 */
export async function readActiveAgents(db: Queryable, leaseTtlSeconds: number): Promise<{ agents: number; workers: number }> {
  const { rows } = await db.query<{ agents: number; workers: number }>(
    `SELECT count(*)::int AS agents, COALESCE(sum(capacity), 0)::int AS workers FROM agents a
     WHERE a.active AND (a.last_heartbeat_at > now() - make_interval(secs => $1)
                         OR EXISTS (SELECT 1 FROM assignments s WHERE s.agent_id = a.id AND s.status = 'active'))`,
    [leaseTtlSeconds],
  );
  return { agents: Number(rows[0]?.agents ?? 0), workers: Number(rows[0]?.workers ?? 0) };
}

export interface VelocityBase {
  project_id: number;
  before_at: Date | null;
  before_done: number | null;
  inside_at: Date | null;
  inside_done: number | null;
}

/** Per project: the last snapshot at or before the window's start and the first one after it. */
export async function readVelocityBases(db: Queryable, projectId: number | null, windowStart: Date): Promise<VelocityBase[]> {
  const { rows } = await db.query<VelocityBase>(
    `SELECT p.id AS project_id, b.taken_at AS before_at, b.hours_done::float8 AS before_done, i.taken_at AS inside_at, i.hours_done::float8 AS inside_done
     FROM projects p
     LEFT JOIN LATERAL (SELECT taken_at, hours_done FROM progress_snapshots s WHERE s.project_id = p.id AND s.taken_at <= $2
                        ORDER BY taken_at DESC LIMIT 1) b ON true
     LEFT JOIN LATERAL (SELECT taken_at, hours_done FROM progress_snapshots s WHERE s.project_id = p.id AND s.taken_at > $2
                        ORDER BY taken_at ASC LIMIT 1) i ON true
     WHERE ($1::bigint IS NULL OR p.id = $1)`,
    [projectId, windowStart],
  );
  return rows.map((r) => ({ ...r, project_id: Number(r.project_id) }));
}

/** The remaining work and its dependency rows, for the simulation. */
export async function readSimulationInput(db: Queryable, projectId: number | null): Promise<{ tasks: SimTask[]; edges: SimEdge[] }> {
  const [t, d] = await Promise.all([
    db.query<{ id: number; epic_id: number; hours: number; status: string; held: boolean; level: number; priority: number; pct: number | null }>(
      `SELECT t.id, COALESCE(t.epic_id, 0) AS epic_id, t.estimated_hours::float8 AS hours, t.status, t.held,
              t.critical_path_hours::float8 AS level, t.priority, a.percent_complete AS pct
       FROM tasks t LEFT JOIN assignments a ON a.task_id = t.id AND a.status = 'active'
       WHERE ($1::bigint IS NULL OR t.project_id = $1) AND t.status NOT IN ('done', 'cancelled')`,
      [projectId],
    ),
    db.query<{ task_id: number | null; epic_id: number | null; depends_on_task_id: number | null; depends_on_epic_id: number | null; threshold_percent: number }>(
      `SELECT task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent::float8 AS threshold_percent
       FROM dependencies WHERE ($1::bigint IS NULL OR project_id = $1)`,
      [projectId],
    ),
  ]);
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    tasks: t.rows.map((r) => ({
      id: Number(r.id),
      epicId: Number(r.epic_id),
      hours: Number(r.hours),
      // A held task is still work to do: the forecast assumes the hold is lifted.
      status: r.status as SimStatus,
      percentComplete: r.pct ?? 0,
      level: Number(r.level),
      priority: r.priority,
    })),
    edges: d.rows.map((r) => ({
      taskId: n(r.task_id),
      epicId: n(r.epic_id),
      dependsOnTaskId: n(r.depends_on_task_id),
      dependsOnEpicId: n(r.depends_on_epic_id),
      thresholdPercent: Number(r.threshold_percent),
    })),
  };
}
