import type { Queryable } from '../../store/db.js';
import type { ChecksState } from '../../core/mergeOrder.js';
import { LIVE_QUEUE_STATES, type MergeQueueRows } from '../../core/mergeQueueView.js';

/**
 * Reads what the merge queue builder (app/core/mergeQueueView.ts) needs for one project, or for
 * all: tasks in review or with a live queue entry, their recent evidence, their prerequisites
 * (epic thresholds judged by the epic_progress view, as readiness is) and the queue's latest row
 * per task. Used by `GET /api/git/merge-queue` and by the runner alike.
 */

const TASKS = `SELECT t.id, t.key, t.title, e.key AS epic, t.project_id, p.owner || '/' || p.repo AS project, p.default_branch,
    t.pr_number, t.branch, t.priority, t.critical_path_hours::float8 AS critical_path_hours, t.updated_at
  FROM tasks t JOIN projects p ON p.id = t.project_id LEFT JOIN epics e ON e.id = t.epic_id
  WHERE ($1::bigint IS NULL OR t.project_id = $1)
    AND (t.status = 'in_review'
         OR EXISTS (SELECT 1 FROM merge_queue q WHERE q.task_id = t.id AND q.state = ANY($2::text[])))
  ORDER BY t.critical_path_hours DESC, t.priority, t.updated_at, t.id
  LIMIT 1000`;

const EVIDENCE = `SELECT x.task_id, x.type, x.ref, x.url, x.metadata
  FROM unnest($1::bigint[]) AS q(id)
  CROSS JOIN LATERAL (SELECT task_id, type, ref, url, metadata FROM evidence
                      WHERE task_id = q.id AND type IN ('pr', 'review', 'check', 'commit')
                      ORDER BY created_at DESC, id DESC LIMIT 300) x`;

const PREREQUISITES = `SELECT t.id AS task_id, 'task' AS kind, dt.key, dt.status IN ('done', 'cancelled') AS done, dt.pr_number, dt.status,
    NULL::float8 AS percent, NULL::float8 AS threshold
  FROM tasks t
  JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
  JOIN tasks dt ON dt.id = d.depends_on_task_id
  WHERE t.id = ANY($1::bigint[]) AND dt.id <> t.id
  UNION ALL
  SELECT t.id, 'epic', ep.key, ep.percent >= d.threshold_percent, NULL, NULL, ep.percent::float8, d.threshold_percent::float8
  FROM tasks t
  JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
  JOIN epic_progress ep ON ep.epic_id = d.depends_on_epic_id
  WHERE t.id = ANY($1::bigint[]) AND ep.epic_id IS DISTINCT FROM t.epic_id`;

const QUEUE = `SELECT DISTINCT ON (task_id) id, task_id, state, mode, position, base_branch, waiting_for, reason, enqueued_by,
    approvals, changes_requested, checks, check_names, created_at, updated_at
  FROM merge_queue WHERE task_id = ANY($1::bigint[]) ORDER BY task_id, created_at DESC, id DESC`;

type Id = number | string;

export async function readMergeQueueRows(db: Queryable, projectId: number | null): Promise<MergeQueueRows> {
  const { rows: tasks } = await db.query<{
    id: Id; key: string; title: string; epic: string | null; project_id: Id; project: string; default_branch: string;
    pr_number: number | null; branch: string | null; priority: number; critical_path_hours: number; updated_at: Date;
  }>(TASKS, [projectId, LIVE_QUEUE_STATES]);
  if (!tasks.length) return { tasks: [], evidence: [], prerequisites: [], queue: [] };
  const ids = tasks.map((t) => Number(t.id));
  const [ev, pre, queue] = await Promise.all([
    db.query<{ task_id: Id; type: string; ref: string | null; url: string | null; metadata: Record<string, unknown> | null }>(EVIDENCE, [ids]),
    db.query<{ task_id: Id; kind: 'task' | 'epic'; key: string; done: boolean; pr_number: number | null; status: string | null; percent: number | null; threshold: number | null }>(
      PREREQUISITES,
      [ids],
    ),
    db.query<{
      id: Id; task_id: Id; state: string; mode: string; position: number | null; base_branch: string; waiting_for: string | null; reason: string | null;
      enqueued_by: string; approvals: number; changes_requested: number; checks: ChecksState; check_names: string[] | null; created_at: Date; updated_at: Date;
    }>(QUEUE, [ids]),
  ]);
  return {
    tasks: tasks.map((t) => ({
      id: Number(t.id), key: t.key, title: t.title, epic: t.epic, projectId: Number(t.project_id), project: t.project, defaultBranch: t.default_branch,
      prNumber: t.pr_number === null ? null : Number(t.pr_number), branch: t.branch, priority: Number(t.priority),
      criticalPathHours: Number(t.critical_path_hours), updatedAt: new Date(t.updated_at),
    })),
    evidence: ev.rows.map((r) => ({ taskId: Number(r.task_id), type: r.type, ref: r.ref, url: r.url, metadata: r.metadata })),
    prerequisites: pre.rows.map((r) => ({
      taskId: Number(r.task_id), key: r.key, kind: r.kind, done: !!r.done, prNumber: r.pr_number === null ? null : Number(r.pr_number), status: r.status,
      ...(r.kind === 'epic' ? { percent: Number(r.percent ?? 0), threshold: Number(r.threshold ?? 100) } : {}),
    })),
    queue: queue.rows.map((q) => ({
      id: Number(q.id), taskId: Number(q.task_id), state: q.state, mode: q.mode, position: q.position === null ? null : Number(q.position),
      baseBranch: q.base_branch, waitingFor: q.waiting_for, reason: q.reason, enqueuedBy: q.enqueued_by, approvals: Number(q.approvals),
      changesRequested: Number(q.changes_requested), checks: q.checks, checkNames: q.check_names ?? [], createdAt: new Date(q.created_at), updatedAt: new Date(q.updated_at),
    })),
  };
}
