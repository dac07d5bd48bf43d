import type { Queryable } from '../../store/db.js';
import { LIVE_QUEUE_STATES, type MergeQueueRows } from '../../core/mergeQueueView.js';
import { selectMergeQueueTasks } from '../sql/selectMergeQueueTasks.js';
import { selectMergeQueueEvidence } from '../sql/selectMergeQueueEvidence.js';
import { selectMergeQueuePrerequisites } from '../sql/selectMergeQueuePrerequisites.js';
import { selectLatestQueueEntriesOfTasks } from '../sql/selectLatestQueueEntriesOfTasks.js';

/**
 * Reads what the merge queue builder (app/core/mergeQueueView.ts) needs for one project, or for
 * all: tasks in review or with a live queue entry, their recent evidence, their prerequisites
 * (epic thresholds judged by the epic_progress view, as readiness is) and the queue's latest row
 * per task. Used by `GET /api/git/merge-queue` and by the runner alike.
 */

export async function readMergeQueueRows(db: Queryable, projectId: number | null): Promise<MergeQueueRows> {
  const { rows: tasks } = await selectMergeQueueTasks(db, projectId, LIVE_QUEUE_STATES);
  if (!tasks.length) return { tasks: [], evidence: [], prerequisites: [], queue: [] };
  const ids = tasks.map((t) => Number(t.id));
  const [ev, pre, queue] = await Promise.all([selectMergeQueueEvidence(db, ids), selectMergeQueuePrerequisites(db, ids), selectLatestQueueEntriesOfTasks(db, ids)]);
  return {
    tasks: tasks.map((t) => ({
      id: Number(t.id), key: t.key, title: t.title, epic: t.epic, projectId: Number(t.project_id), project: t.project, defaultBranch: t.default_branch,
      prNumber: t.pr_number === null ? null : Number(t.pr_number), branch: t.branch, priority: Number(t.priority),
      criticalPathHours: Number(t.critical_path_hours), updatedAt: new Date(t.updated_at), footprint: t.footprint ?? [],
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
