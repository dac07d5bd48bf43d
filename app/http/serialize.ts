import type { Agent, Assignment, Task } from '../engine/types.js';
import type { AgentJson, AssignmentJson, FeedbackItemJson, TaskJson } from '../../schema/apiResponses.js';
import type { FeedbackItem } from '../feedback/types.js';

/**
 * Wire shapes: snake_case, as the old system's clients expect, typed by the response schemas in
 * schema/apiResponses.ts (the Action parses answers with the same schemas). Timestamps become
 * ISO strings here, which is what JSON.stringify made of the Dates before.
 */
const iso = (d: Date): string => new Date(d).toISOString();
const isoOrNull = (d: Date | null): string | null => (d === null ? null : iso(d));

export const taskJson = (t: Task): TaskJson => ({
  id: t.id,
  project_id: t.projectId,
  key: t.key,
  epic_key: t.epicKey,
  title: t.title,
  body: t.body,
  deliverables: t.deliverables,
  estimated_hours: t.estimatedHours,
  priority: t.priority,
  critical_path_hours: t.criticalPathHours,
  status: t.status,
  ready: t.ready,
  held: t.held,
  issue_number: t.issueNumber,
  branch: t.branch,
  pr_number: t.prNumber,
  pr_url: t.prUrl,
  footprint: t.footprint,
  required_pool: t.requiredPool,
  required_capabilities: t.requiredCapabilities,
  attempts: t.attempts,
  lease_epoch: t.leaseEpoch,
  lease_expires_at: isoOrNull(t.leaseExpiresAt),
  failure_reason: t.failureReason,
  ready_since: isoOrNull(t.readySince),
  started_at: isoOrNull(t.startedAt),
  completed_at: isoOrNull(t.completedAt),
  created_at: iso(t.createdAt),
  updated_at: iso(t.updatedAt),
  round: t.round,
  pr_state: t.prState,
});

export const feedbackJson = (f: FeedbackItem): FeedbackItemJson => ({
  id: f.id,
  kind: f.kind,
  source: f.source,
  author: f.author,
  url: f.url,
  text: f.text,
  files: f.files.map((x) => ({ path: x.path, line: x.line, body: x.body })),
  round: f.round,
  created_at: iso(f.createdAt),
});

export const agentJson = (a: Agent): AgentJson => ({
  id: a.id,
  name: a.name,
  pool: a.pool,
  labels: a.labels,
  capacity: a.capacity,
  kind: a.kind,
  active: a.active,
  last_heartbeat_at: isoOrNull(a.lastHeartbeatAt),
  created_at: iso(a.createdAt),
});

export const assignmentJson = (a: Assignment): AssignmentJson => ({
  id: a.id,
  task_id: a.taskId,
  agent_id: a.agentId,
  pool: a.pool,
  epoch: a.epoch,
  status: a.status,
  percent_complete: a.percentComplete,
  notes: a.notes,
  end_reason: a.endReason,
  workflow_run_id: a.workflowRunId,
  runner_name: a.runnerName,
  lease_expires_at: iso(a.leaseExpiresAt),
  created_at: iso(a.createdAt),
  updated_at: iso(a.updatedAt),
  ended_at: isoOrNull(a.endedAt),
});
