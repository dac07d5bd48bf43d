import type { Queryable } from '../store/db.js';
import { buildMergeQueue } from '../core/mergeQueueView.js';
import { readMergeQueueRows } from '../github/mergeQueue/rows.js';
import type { MergeWaitReason } from '../core/mergeOrder.js';

/**
 * The merge queue as the database knows it: tasks in review with their pull request, approvals
 * and checks, what each still waits for, in the merge queue runner's own order. The order and
 * the waits come from the one builder the runner also uses (app/core/mergeQueueView.ts), with
 * the approvals each repository's `.github/fleet.yml` requires. Read-only.
 */

export interface QueueEntryJson {
  position: number;
  task_id: number;
  key: string;
  title: string;
  epic: string | null;
  project: string;
  base_branch: string;
  pr_number: number | null;
  pr_url: string | null;
  branch: string | null;
  head_sha: string | null;
  state: 'ready' | 'waiting' | 'blocked';
  waits_for: { reason: MergeWaitReason; detail: string }[];
  approvals: { approved: number; required: number; changes_requested: number; reviewers: { login: string; state: string }[] };
  checks: { state: 'success' | 'pending' | 'failure' | 'none'; passed: number; failed: number; pending: number; runs: { name: string; conclusion: string | null; url: string | null }[] };
  depends_on: string[];
  in_review_since: string;
  /** The merge queue's own record of this PR (app/github/mergeQueue), latest first; null when it never entered. */
  queue: { state: string; mode: string; position: number | null; base_branch: string; waiting_for: string | null; reason: string | null; enqueued_by: string; updated_at: string } | null;
}

/** Which repository a project is, to look up its configuration. */
export interface ProjectRepo {
  id: number;
  owner: string;
  repo: string;
}

export async function readMergeQueue(
  db: Queryable,
  projectId: number | null,
  requiredApprovals: (project: ProjectRepo) => Promise<number> | number,
): Promise<QueueEntryJson[]> {
  const rows = await readMergeQueueRows(db, projectId);
  if (!rows.tasks.length) return [];
  const required = new Map<number, number>();
  for (const t of rows.tasks) {
    if (required.has(t.projectId)) continue;
    const [owner = '', repo = ''] = t.project.split('/');
    required.set(t.projectId, await requiredApprovals({ id: t.projectId, owner, repo }));
  }
  return buildMergeQueue(rows, (pid) => required.get(pid)!).map((e) => ({
    position: e.position,
    task_id: e.task.id,
    key: e.task.key,
    title: e.task.title,
    epic: e.task.epic,
    project: e.task.project,
    base_branch: e.live?.baseBranch ?? e.task.defaultBranch,
    pr_number: e.task.prNumber,
    pr_url: e.prUrl,
    branch: e.task.branch,
    head_sha: e.headSha,
    state: e.state,
    waits_for: e.waits,
    approvals: { approved: e.approvals.approved, required: e.approvals.required, changes_requested: e.approvals.changesRequested, reviewers: e.approvals.reviewers },
    checks: e.checks,
    depends_on: e.dependsOn,
    in_review_since: e.task.updatedAt.toISOString(),
    queue: e.queue
      ? {
          state: e.queue.state,
          mode: e.queue.mode,
          position: e.queue.position,
          base_branch: e.queue.baseBranch,
          waiting_for: e.queue.waitingFor,
          reason: e.queue.reason,
          enqueued_by: e.queue.enqueuedBy,
          updated_at: e.queue.updatedAt.toISOString(),
        }
      : null,
  }));
}
