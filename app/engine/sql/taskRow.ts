import type { Task } from '../types.js';
import type { TaskStatus } from '../../core/taskStatus.js';

/** The select list every task read uses, so one mapper serves them all. Alias `t` is tasks. */
export const TASK_COLUMNS = `t.id, t.project_id, t.epic_id, e.key AS epic_key, t.key, t.title, t.body, t.deliverables,
  t.estimated_hours, t.priority, t.critical_path_hours, t.status, t.held, t.ready, t.issue_number, t.issue_node_id, t.branch,
  t.pr_number, t.pr_url, t.footprint, t.required_pool, t.required_capabilities, t.attempts, t.lease_epoch, t.lease_expires_at,
  t.failure_reason, t.ready_since, t.started_at, t.completed_at, t.created_at, t.updated_at,
  t.round, t.round_mode, t.pr_state`;

export const TASK_FROM = `tasks t LEFT JOIN epics e ON e.id = t.epic_id`;

export interface TaskRow {
  id: number;
  project_id: number;
  epic_id: number | null;
  epic_key: string | null;
  key: string;
  title: string;
  body: string;
  deliverables: unknown;
  estimated_hours: number;
  priority: number;
  critical_path_hours: number;
  status: string;
  held: boolean;
  /** The generated column (migration 0013): pending, not held, and marked ready. */
  ready: boolean;
  issue_number: number | null;
  issue_node_id: string | null;
  branch: string | null;
  pr_number: number | null;
  pr_url: string | null;
  /** Migration 0032: the plan's globs and the PR's changed files, as one sorted list. */
  footprint: string[] | null;
  required_pool: string | null;
  required_capabilities: string[] | null;
  attempts: number;
  lease_epoch: number;
  lease_expires_at: Date | null;
  failure_reason: string | null;
  ready_since: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Feedback rounds (0018_feedback); absent from rows read before that migration. */
  round?: number;
  round_mode?: string | null;
  pr_state?: string | null;
}

export function mapTask(r: TaskRow): Task {
  return {
    id: r.id,
    projectId: r.project_id,
    epicId: r.epic_id,
    epicKey: r.epic_key,
    key: r.key,
    title: r.title,
    body: r.body,
    deliverables: Array.isArray(r.deliverables) ? (r.deliverables as string[]) : [],
    estimatedHours: Number(r.estimated_hours),
    priority: r.priority,
    criticalPathHours: Number(r.critical_path_hours),
    status: r.status as TaskStatus,
    held: r.held,
    ready: r.ready,
    issueNumber: r.issue_number,
    issueNodeId: r.issue_node_id,
    branch: r.branch,
    prNumber: r.pr_number,
    prUrl: r.pr_url,
    footprint: r.footprint ?? [],
    requiredPool: r.required_pool,
    requiredCapabilities: r.required_capabilities ?? [],
    attempts: r.attempts,
    leaseEpoch: Number(r.lease_epoch),
    leaseExpiresAt: r.lease_expires_at,
    failureReason: r.failure_reason,
    readySince: r.ready_since,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    round: r.round ?? 0,
    roundMode: (r.round_mode ?? null) as Task['roundMode'],
    prState: (r.pr_state ?? null) as Task['prState'],
  };
}
