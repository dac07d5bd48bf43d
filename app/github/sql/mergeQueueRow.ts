import type { ChecksState } from '../../core/mergeOrder.js';

/** A `merge_queue` row (schema/migrations/0003_merge_queue.sql): its columns, and the entry it maps to. */

export type EntryState = 'queued' | 'updating' | 'waiting_checks' | 'merging' | 'merged' | 'failed' | 'removed';
export const LIVE_STATES: readonly EntryState[] = ['queued', 'updating', 'waiting_checks', 'merging'];
export type QueueMode = 'app' | 'native';

export interface MergeQueueEntry {
  id: number;
  projectId: number;
  baseBranch: string;
  taskId: number;
  prNumber: number;
  prNodeId: string | null;
  headSha: string | null;
  mode: QueueMode;
  state: EntryState;
  waitingFor: string | null;
  position: number | null;
  approvals: number;
  changesRequested: number;
  checks: ChecksState;
  checkNames: string[];
  expectedChecks: string[];
  enqueuedBy: string;
  branchUpdatedAt: Date | null;
  mergeSha: string | null;
  reason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Row {
  id: number;
  project_id: number;
  base_branch: string;
  task_id: number;
  pr_number: number;
  pr_node_id: string | null;
  head_sha: string | null;
  mode: QueueMode;
  state: EntryState;
  waiting_for: string | null;
  position: number | null;
  approvals: number;
  changes_requested: number;
  checks: ChecksState;
  check_names: string[] | null;
  expected_checks: string[] | null;
  enqueued_by: string;
  branch_updated_at: Date | null;
  merge_sha: string | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export const COLUMNS = `id, project_id, base_branch, task_id, pr_number, pr_node_id, head_sha, mode, state, waiting_for, position, approvals,
  changes_requested, checks, check_names, expected_checks, enqueued_by, branch_updated_at, merge_sha, reason, created_at, updated_at`;

export const map = (r: Row): MergeQueueEntry => ({
  id: Number(r.id),
  projectId: Number(r.project_id),
  baseBranch: r.base_branch,
  taskId: Number(r.task_id),
  prNumber: Number(r.pr_number),
  prNodeId: r.pr_node_id,
  headSha: r.head_sha,
  mode: r.mode,
  state: r.state,
  waitingFor: r.waiting_for,
  position: r.position === null ? null : Number(r.position),
  approvals: Number(r.approvals),
  changesRequested: Number(r.changes_requested),
  checks: r.checks,
  checkNames: r.check_names ?? [],
  expectedChecks: r.expected_checks ?? [],
  enqueuedBy: r.enqueued_by,
  branchUpdatedAt: r.branch_updated_at ? new Date(r.branch_updated_at) : null,
  mergeSha: r.merge_sha,
  reason: r.reason,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** What the PR looked like at the last look (written with every evaluation). */
export interface Snapshot {
  headSha: string;
  prNodeId: string;
  approvals: number;
  changesRequested: number;
  checks: ChecksState;
  checkNames?: string[] | undefined;
  expectedChecks?: string[] | undefined;
  waitingFor?: string | null | undefined;
}
