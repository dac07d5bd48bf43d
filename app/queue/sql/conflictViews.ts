import type { Queryable } from '../../store/db.js';
import type { ConflictMode } from '../../core/pickAvoidingConflicts.js';

export interface BusyRow {
  projectId: number;
  footprint: string[];
  hoursLeft: number;
}

export interface ProjectOutlook {
  projectId: number;
  mode: ConflictMode;
  /** Longest remaining path: ready/pending tasks' critical path, running ones less what is done. */
  pathHours: number;
  /** Estimated hours of work not yet done (pending, plus what running tasks have left). */
  workHours: number;
}

// Work under way that names files: assigned or in progress (hours left from the estimate and the
// reported percentage), or in review with its PR open (0 hours left: the code is written, but the
// files stay taken until it merges). A merged PR makes the task done; a closed one reopens it.
const BUSY_SQL = `
SELECT t.project_id, t.footprint,
  CASE WHEN t.status = 'in_review' THEN 0
       ELSE GREATEST(0, t.estimated_hours * (1 - COALESCE(a.percent_complete, 0) / 100.0)) END AS hours_left
FROM tasks t
LEFT JOIN assignments a ON a.task_id = t.id AND a.status = 'active'
WHERE t.project_id = ANY($1::bigint[]) AND t.footprint <> '{}'
  AND (t.status IN ('assigned', 'in_progress') OR (t.status = 'in_review' AND t.pr_number IS NOT NULL))`;

// Per project: its scheduling.conflicts and how far off its finish is (the horizon of the choice).
const OUTLOOK_SQL = `
SELECT p.id AS project_id, COALESCE(p.conflict_mode, 'avoid') AS mode,
  COALESCE(max(CASE WHEN t.status = 'pending' THEN t.critical_path_hours
                    ELSE t.critical_path_hours - t.estimated_hours * COALESCE(a.percent_complete, 0) / 100.0 END), 0) AS path_hours,
  COALESCE(sum(CASE WHEN t.status = 'pending' THEN t.estimated_hours
                    ELSE t.estimated_hours * (1 - COALESCE(a.percent_complete, 0) / 100.0) END), 0) AS work_hours
FROM projects p
LEFT JOIN tasks t ON t.project_id = p.id AND t.status IN ('pending', 'assigned', 'in_progress')
LEFT JOIN assignments a ON a.task_id = t.id AND a.status = 'active'
WHERE p.id = ANY($1::bigint[])
GROUP BY p.id, p.conflict_mode`;

const AGENTS_SQL = `SELECT count(*)::int AS n FROM agents WHERE active`;

export async function busyTasks(db: Queryable, projectIds: readonly number[]): Promise<BusyRow[]> {
  const { rows } = await db.query<{ project_id: number; footprint: string[]; hours_left: number }>(BUSY_SQL, [projectIds]);
  return rows.map((r) => ({ projectId: Number(r.project_id), footprint: r.footprint, hoursLeft: Number(r.hours_left) }));
}

export async function projectOutlooks(db: Queryable, projectIds: readonly number[]): Promise<ProjectOutlook[]> {
  const { rows } = await db.query<{ project_id: number; mode: ConflictMode; path_hours: number; work_hours: number }>(OUTLOOK_SQL, [projectIds]);
  return rows.map((r) => ({ projectId: Number(r.project_id), mode: r.mode, pathHours: Number(r.path_hours), workHours: Number(r.work_hours) }));
}

/** Active agents: the parallelism the remaining work is spread over. */
export async function activeAgents(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(AGENTS_SQL);
  return Number(rows[0]?.n ?? 0);
}
