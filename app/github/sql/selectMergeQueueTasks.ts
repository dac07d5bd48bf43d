import type { Queryable } from '../../store/db.js';

type Id = number | string;

const SQL = `SELECT t.id, t.key, t.title, e.key AS epic, t.project_id, p.owner || '/' || p.repo AS project, p.default_branch,
    t.pr_number, t.branch, t.priority, t.critical_path_hours::float8 AS critical_path_hours, t.updated_at, t.footprint
  FROM tasks t JOIN projects p ON p.id = t.project_id LEFT JOIN epics e ON e.id = t.epic_id
  WHERE ($1::bigint IS NULL OR t.project_id = $1)
    AND (t.status = 'in_review'
         OR EXISTS (SELECT 1 FROM merge_queue q WHERE q.task_id = t.id AND q.state = ANY($2::text[])))
  ORDER BY t.critical_path_hours DESC, t.priority, t.updated_at, t.id
  LIMIT 1000`;

/** Tasks in review or with a live queue entry, of one project or all ($1 null), in the engine's order. */
export function selectMergeQueueTasks(db: Queryable, projectId: number | null, liveStates: readonly string[]) {
  return db.query<{
    id: Id; key: string; title: string; epic: string | null; project_id: Id; project: string; default_branch: string;
    pr_number: number | null; branch: string | null; priority: number; critical_path_hours: number; updated_at: Date; footprint: string[] | null;
  }>(SQL, [projectId, liveStates]);
}
