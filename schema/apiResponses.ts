import { z } from 'zod';
import { TASK_STATUSES } from '../app/core/taskStatus.js';
import { FEEDBACK_KINDS, PR_STATES } from '../app/feedback/types.js';

/**
 * Response bodies of the orchestrator API: the one definition the server's serializers are typed
 * by, the Action parses answers with, and a test checks every route's real answers against.
 * Objects are not strict, so an older client ignores a field a newer server adds; the test
 * compares parsed output with the raw answer, so a server-side drift still fails it.
 */

const id = z.number().int().positive();
/** Timestamps go over the wire as ISO 8601 (Date#toJSON). */
const timestamp = z.iso.datetime({ offset: true });

/** An assignment's states (the CHECK on assignments.status in 0001_init.sql). */
export const AssignmentStatus = z.enum(['active', 'completed', 'failed', 'released', 'expired', 'cancelled']);
const TaskStatus = z.enum(TASK_STATUSES);

export const TaskJson = z.object({
  id,
  project_id: id,
  key: z.string(),
  epic_key: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  deliverables: z.array(z.string()),
  estimated_hours: z.number(),
  priority: z.number(),
  critical_path_hours: z.number(),
  status: TaskStatus,
  ready: z.boolean(),
  held: z.boolean(),
  issue_number: z.number().int().nullable(),
  branch: z.string().nullable(),
  pr_number: z.number().int().nullable(),
  pr_url: z.string().nullable(),
  /** Path globs the task is expected to touch: the plan's, then the files its PR changed (#14). */
  footprint: z.array(z.string()).default([]),
  required_pool: z.string().nullable(),
  required_capabilities: z.array(z.string()),
  attempts: z.number().int(),
  lease_epoch: z.number().int(),
  lease_expires_at: timestamp.nullable(),
  failure_reason: z.string().nullable(),
  ready_since: timestamp.nullable(),
  started_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  /** Feedback rounds started so far (#14). */
  round: z.number().int().min(0).default(0),
  /** The task PR's state as the webhooks last said; null without a PR. */
  pr_state: z.enum(PR_STATES).nullable().default(null),
});
export type TaskJson = z.infer<typeof TaskJson>;

/** One feedback item (#14): what the task's PR was told, for the agent's round. */
export const FeedbackItemJson = z.object({
  id,
  kind: z.enum(FEEDBACK_KINDS),
  /** The event it came from: check_run:<id>, status:<id>, review:<id>, comment:<id>, conflict:<pr>:<sha>. */
  source: z.string(),
  author: z.string().nullable(),
  url: z.string().nullable(),
  /** Untrusted text (a reviewer's words, a check's output): give it to an agent only fenced as such. */
  text: z.string(),
  files: z.array(z.object({ path: z.string(), line: z.number().int().nullable(), body: z.string() })),
  round: z.number().int().min(1),
  created_at: timestamp,
});
export type FeedbackItemJson = z.infer<typeof FeedbackItemJson>;

/** GET /api/tasks/:id/feedback: every item of the task, oldest first. */
export const TaskFeedbackResponse = z.object({ feedback: z.array(FeedbackItemJson) });
export type TaskFeedbackResponse = z.infer<typeof TaskFeedbackResponse>;

/** A task a task depends on, as GET /api/tasks/:id and a claim list them. */
export const TaskDependencyJson = z.object({ key: z.string(), status: TaskStatus, pr_number: z.number().int().nullable() });
export const TaskWithDependenciesJson = TaskJson.extend({ dependencies: z.array(TaskDependencyJson) });
export type TaskWithDependenciesJson = z.infer<typeof TaskWithDependenciesJson>;

export const AgentJson = z.object({
  id,
  name: z.string(),
  pool: z.string(),
  labels: z.array(z.string()),
  capacity: z.number().int(),
  kind: z.enum(['vm', 'aks', 'local']),
  active: z.boolean(),
  last_heartbeat_at: timestamp.nullable(),
  created_at: timestamp,
});
export type AgentJson = z.infer<typeof AgentJson>;

export const AssignmentJson = z.object({
  id,
  task_id: id,
  agent_id: id.nullable(),
  pool: z.string().nullable(),
  epoch: z.number().int(),
  status: AssignmentStatus,
  percent_complete: z.number().int(),
  notes: z.string().nullable(),
  end_reason: z.string().nullable(),
  workflow_run_id: z.number().int().nullable(),
  runner_name: z.string().nullable(),
  lease_expires_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
  ended_at: timestamp.nullable(),
});
export type AssignmentJson = z.infer<typeof AssignmentJson>;

export const LeaseJson = z.object({ epoch: z.number().int(), expires_at: timestamp });
export type LeaseJson = z.infer<typeof LeaseJson>;

/** Every 4xx/5xx answer: a machine code and a sentence saying what was wrong and what is accepted. */
export const ErrorResponse = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** GET /health: 200 healthy, 503 unhealthy naming what is down. */
export const HealthResponse = z.union([
  z.object({ status: z.literal('healthy'), checks: z.record(z.string(), z.string()) }),
  z.object({ status: z.literal('unhealthy'), down: z.array(z.string()), checks: z.record(z.string(), z.string()) }),
]);

// ---- tasks -------------------------------------------------------------------------------

/** GET /api/tasks and GET /api/tasks/ready/list */
export const TaskListResponse = z.object({ tasks: z.array(TaskJson) });
/** GET /api/tasks/:id */
export const TaskResponse = z.object({ task: TaskWithDependenciesJson });
/** PATCH /api/tasks/:id/git */
export const TaskGitResponse = z.object({ task: TaskJson });
/** PATCH /api/tasks/:id/progress and PATCH /api/assignments/:id/progress */
export const ProgressResponse = z.object({ task: TaskJson, assignment: AssignmentJson });
export type ProgressResponse = z.infer<typeof ProgressResponse>;

// ---- agents ------------------------------------------------------------------------------

/** GET /api/agents */
export const AgentListResponse = z.object({ agents: z.array(AgentJson) });
/** GET /api/agents/:id, POST /api/agents/:id/deactivate and /activate */
export const AgentResponse = z.object({ agent: AgentJson });
/** POST /api/agents/heartbeat: the agent, and the leases it named that were extended. */
export const AgentHeartbeatResponse = z.object({
  agent: AgentJson,
  leases: z.array(z.object({ assignment_id: id, epoch: z.number().int(), expires_at: timestamp })),
});

// ---- assignments -------------------------------------------------------------------------

/** GET /api/assignments and GET /api/agents/:id/assignments */
export const AssignmentListResponse = z.object({ assignments: z.array(AssignmentJson) });
/** POST /api/assignments/claim (200; 204 without a body when nothing fits) and POST /api/assignments (201). */
/** Where the task's text came from (issue 15): the plan file at the synced commit; null for tasks not from a plan file. */
export const PlanProvenanceJson = z.object({ plan_path: z.string(), plan_commit: z.string().nullable(), plan_hash: z.string().nullable() });
export const ClaimResponse = z.object({
  assignment: AssignmentJson,
  task: TaskWithDependenciesJson,
  lease: LeaseJson,
  provenance: PlanProvenanceJson.nullable(),
  /** The feedback of the task's current round (empty on a first attempt). */
  feedback: z.array(FeedbackItemJson).default([]),
  /** The task's branch and PR: a revise or rebase round works on them. */
  branch: z.string().nullable().default(null),
  pr_number: z.number().int().nullable().default(null),
});
export type ClaimResponse = z.infer<typeof ClaimResponse>;
/** Why a running job must stop (issue 15): `/fleet stop`, a pause with `pause: stop`, a spent budget. */
export const StopReason = z.enum(['stopped', 'paused', 'budget']);
/** POST /api/assignments/:id/heartbeat; `stop` true: the Action stops its agent, commits nothing and reports failed. */
export const AssignmentHeartbeatResponse = z.object({
  lease: LeaseJson,
  assignment: AssignmentJson,
  stop: z.boolean(),
  reason: StopReason.optional(),
  message: z.string().optional(),
});
export type AssignmentHeartbeatResponse = z.infer<typeof AssignmentHeartbeatResponse>;

// ---- git ---------------------------------------------------------------------------------

/** GET /api/git/branches */
export const BranchesResponse = z.object({
  branches: z.array(
    z.object({
      branch: z.string().nullable(),
      task_id: id,
      task_key: z.string(),
      title: z.string(),
      status: TaskStatus,
      project: z.string(),
      pr_number: z.number().int().nullable(),
      pr_url: z.string().nullable(),
      last_commit: z.object({ sha: z.string().nullable(), url: z.string().nullable(), at: timestamp.nullable() }).nullable(),
      updated_at: timestamp,
    }),
  ),
});

export const EvidenceJson = z.object({
  id,
  task_id: id.nullable(),
  task_key: z.string().nullable(),
  project: z.string().nullable(),
  type: z.string(),
  ref: z.string().nullable(),
  url: z.string().nullable(),
  source: z.string(),
  /** Recorded from GitHub (webhook or the app), not reported by an agent. */
  from_github: z.boolean(),
  agent_id: id.nullable(),
  agent_name: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: timestamp,
});
export type EvidenceJson = z.infer<typeof EvidenceJson>;

/** GET /api/git/evidence */
export const EvidenceListResponse = z.object({ evidence: z.array(EvidenceJson) });
/** GET /api/git/evidence/:task_id */
export const TaskEvidenceResponse = z.object({
  task: z.object({
    id,
    key: z.string(),
    title: z.string(),
    status: TaskStatus,
    pr_number: z.number().int().nullable(),
    branch: z.string().nullable(),
  }),
  evidence: z.array(EvidenceJson),
});
/** POST /api/git/evidence (201) */
export const EvidenceCreatedResponse = z.object({ evidence: EvidenceJson });

const WAIT_REASONS = ['pull_request', 'dependency', 'epic', 'approvals', 'changes_requested', 'checks', 'checks_failed', 'overlap'] as const;

/** One pull request in GET /api/git/merge-queue, in merge order. */
export const MergeQueueEntryJson = z.object({
  position: z.number().int(),
  task_id: id,
  key: z.string(),
  title: z.string(),
  epic: z.string().nullable(),
  project: z.string(),
  base_branch: z.string(),
  pr_number: z.number().int().nullable(),
  pr_url: z.string().nullable(),
  branch: z.string().nullable(),
  head_sha: z.string().nullable(),
  state: z.enum(['ready', 'waiting', 'blocked']),
  waits_for: z.array(z.object({ reason: z.enum(WAIT_REASONS), detail: z.string() })),
  approvals: z.object({
    approved: z.number().int(),
    required: z.number().int(),
    changes_requested: z.number().int(),
    reviewers: z.array(z.object({ login: z.string(), state: z.string() })),
  }),
  checks: z.object({
    state: z.enum(['success', 'pending', 'failure', 'none']),
    passed: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    runs: z.array(z.object({ name: z.string(), conclusion: z.string().nullable(), url: z.string().nullable() })),
  }),
  depends_on: z.array(z.string()),
  in_review_since: timestamp,
  queue: z
    .object({
      state: z.string(),
      mode: z.string(),
      position: z.number().int().nullable(),
      base_branch: z.string(),
      waiting_for: z.string().nullable(),
      reason: z.string().nullable(),
      enqueued_by: z.string(),
      updated_at: timestamp,
    })
    .nullable(),
});
export type MergeQueueEntryJson = z.infer<typeof MergeQueueEntryJson>;
/** GET /api/git/merge-queue */
export const MergeQueueResponse = z.object({ tasks: z.array(MergeQueueEntryJson) });

// ---- progress ----------------------------------------------------------------------------

const Tally = z.object({
  tasks_by_status: z.record(TaskStatus, z.number().int()),
  hours_done: z.number(),
  hours_total: z.number(),
});
const Eta = z.object({ hours: z.number(), days: z.number(), date: timestamp });

/** Spend per task, epic, project and day (issue 15): GET /api/progress/summary?project=…, GET /api/projects/:project/spend. */
export const SpendJson = z.object({
  day_start: timestamp,
  project: z.object({
    spend_usd: z.number(),
    day_usd: z.number(),
    burn_rate_usd_per_hour: z.number(),
    budget_left: z.object({ day: z.number().optional() }),
  }),
  epics: z.array(z.object({ epic_id: id, key: z.string(), spend_usd: z.number(), budget_left_usd: z.number().nullable() })),
  tasks: z.array(
    z.object({
      task_id: id,
      key: z.string(),
      epic_key: z.string().nullable(),
      spend_usd: z.number(),
      minutes: z.number(),
      input_tokens: z.number(),
      output_tokens: z.number(),
      budget_left: z.object({ task: z.number().optional(), task_minutes: z.number().optional() }),
    }),
  ),
});
/** GET /api/progress/summary */
export const ProgressSummaryResponse = z.object({
  /** Issue 15: spend of the project asked for (`?project=`); null across projects. */
  spend: SpendJson.nullable(),
  epics: z.array(Tally.extend({ epic: z.string(), title: z.string(), project: z.string(), percent: z.number() })),
  overall: Tally.extend({
    overall_percent: z.number(),
    hours_remaining: z.number(),
    velocity_hours_per_day: z.number().nullable(),
    active_agents: z.number().int(),
    eta: z.object({
      by_velocity: Eta.nullable(),
      by_simulation: Eta.extend({
        basis: z.enum(['observed_rate', 'estimate_pace']),
        workers: z.number().int(),
        as_of: timestamp,
        stuck_tasks: z.number().int(),
      }).nullable(),
    }),
  }),
});

export const CircuitJson = z.object({
  project_id: id,
  pool: z.string(),
  status: z.enum(['closed', 'open', 'half_open']),
  open_until: timestamp.nullable(),
  trips: z.number().int(),
  last_failure: z.string().nullable(),
});
/** The guard rails of one project: paused, budgets, held tasks by reason, circuits, tasks whose issue a non-writer edited. */
export const GuardsJson = z.object({
  paused: z.boolean(),
  pause_mode: z.enum(['drain', 'stop']),
  budgets: z.object({ perTaskUsd: z.number().optional(), perEpicUsd: z.number().optional(), perDayUsd: z.number().optional(), perTaskMinutes: z.number().optional() }),
  held: z.array(z.object({ key: z.string(), reason: z.enum(['budget', 'paused', 'backoff', 'stopped']), ready_after: timestamp.nullable() })),
  circuits: z.array(CircuitJson),
  untrusted_edits: z.array(z.object({ key: z.string(), edited_by: z.string().nullable(), edited_at: timestamp })),
});
/** GET /api/projects/:project/guards */
export const GuardsResponse = z.object({ project: z.string(), spend: SpendJson, guards: GuardsJson });
/** POST /api/assignments/:id/usage */
export const UsageResponse = z.object({ evidence: EvidenceJson.nullable(), stop: z.boolean(), reason: StopReason.optional(), message: z.string().optional() });
/** PUT /api/projects/:project/budgets */
export const BudgetsResponse = z.object({ project: z.string(), budgets: GuardsJson.shape.budgets, held: z.array(z.string()) });
/** POST /api/projects/:project/pause and /resume */
export const PauseResponse = z.object({ project: z.string(), paused: z.boolean(), changed: z.boolean(), mode: z.enum(['drain', 'stop']), held: z.number().int(), released: z.number().int(), stopping: z.number().int() });

/** GET /api/progress/projects */
export const ProjectListResponse = z.object({ projects: z.array(z.object({ id, name: z.string(), default_branch: z.string() })) });

/** GET /api/progress/agents */
export const AgentProgressResponse = z.object({
  agents: z.array(
    z.object({
      id,
      name: z.string(),
      pool: z.string(),
      kind: z.string(),
      labels: z.array(z.string()),
      capacity: z.number().int(),
      active: z.boolean(),
      current_tasks: z.array(
        z.object({
          task_id: id,
          key: z.string(),
          title: z.string(),
          status: TaskStatus,
          project: z.string(),
          assignment_id: id,
          epoch: z.number().int(),
          percent_complete: z.number().int(),
          lease_expires_at: timestamp,
        }),
      ),
      utilisation_percent: z.number(),
      window_hours: z.number(),
      tasks_done: z.number().int(),
      failures: z.number().int(),
      tasks_done_in_window: z.number().int(),
      failures_in_window: z.number().int(),
      heartbeat: z.object({ last_at: timestamp.nullable(), age_seconds: z.number().nullable(), health: z.enum(['healthy', 'late', 'dead', 'never', 'inactive']) }),
    }),
  ),
});

const SnapshotJson = z.object({
  id,
  project_id: id,
  taken_at: timestamp,
  tasks_total: z.number().int(),
  tasks_done: z.number().int(),
  hours_total: z.number(),
  hours_done: z.number(),
  hours_remaining: z.number(),
  active_agents: z.number().int(),
  tasks_by_status: z.record(z.string(), z.number().int()),
});
/** POST /api/progress/snapshot (201) */
export const SnapshotResponse = z.object({ snapshots: z.array(SnapshotJson) });
/** GET /api/progress/history/:project_id */
export const HistoryResponse = z.object({
  project_id: id,
  project: z.string(),
  limit: z.number().int(),
  more: z.boolean(),
  snapshots: z.array(SnapshotJson),
  burndown: z.array(z.object({ at: timestamp, hours_remaining: z.number(), hours_done: z.number(), hours_total: z.number() })),
});

/** GET /api/progress/graph */
export const GraphResponse = z.object({
  nodes: z.array(
    z.object({
      id,
      key: z.string(),
      title: z.string(),
      epic: z.string().nullable(),
      status: TaskStatus,
      hours: z.number(),
      ready: z.boolean(),
      pr_number: z.number().int().nullable(),
      critical: z.boolean(),
    }),
  ),
  edges: z.array(z.object({ from: id, to: id, kind: z.enum(['task', 'epic']), threshold_percent: z.number() })),
  critical_path: z.object({ task_ids: z.array(id), keys: z.array(z.string()), hours: z.number() }),
  truncated: z.boolean(),
});

const Quantile = z.object({ hours: z.number(), date: timestamp });
const BaselineStatus = z.enum(['ahead', 'on_track', 'behind']);
/** GET /api/progress/forecast (issue 16): the Monte Carlo forecast of the remaining work. */
export const ForecastResponse = z.object({
  project: z.string().nullable(),
  as_of: timestamp,
  p10: Quantile,
  p50: Quantile,
  p80: Quantile,
  p90: Quantile,
  /** max(remaining critical path, remaining work ÷ agents) at estimate pace. */
  bound_hours: z.number(),
  critical_path: z.array(z.string()),
  agents: z.object({ count: z.number().int().positive(), source: z.enum(['query', 'active_agents', 'fleet_capacity', 'local_default']) }),
  runs: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  calibration: z.object({ observations: z.number().int().nonnegative(), ratio_median: z.number(), ratio_p90: z.number(), retry_rate: z.number(), review_hours_median: z.number() }),
  assumptions: z.array(z.string()),
  hours_per_day: z.number(),
  remaining_hours: z.number(),
  /** When the remaining estimate-hours reach each level, in hours from `as_of`. */
  band: z.array(z.object({ remaining_hours: z.number(), p10_hours: z.number(), p50_hours: z.number(), p90_hours: z.number() })),
  tasks: z.array(
    z.object({
      key: z.string(),
      finish_hours: z.number(),
      finish_date: timestamp,
      /** How much later it can finish without delaying the whole (its dependents and its agent's queue), mean over the runs. */
      slack_hours: z.number(),
      /** Share of the runs in which it had no slack. */
      critical_share: z.number().min(0).max(1),
      baseline: z.object({ planned_finish: timestamp, delta_hours: z.number(), status: BaselineStatus }).nullable(),
    }),
  ),
});
export type ForecastResponse = z.infer<typeof ForecastResponse>;

/** GET /api/progress/baseline: the schedule the project set out with, and each task against it. */
export const BaselineResponse = z.object({
  project: z.string(),
  created_at: timestamp,
  reason: z.string(),
  agents: z.number().int().positive(),
  hours_per_day: z.number(),
  makespan_hours: z.number(),
  burndown: z.array(z.object({ at: timestamp, hours_remaining: z.number() })),
  tasks: z.array(
    z.object({
      key: z.string(),
      estimated_hours: z.number(),
      planned_start: timestamp,
      planned_finish: timestamp,
      status: TaskStatus.nullable(),
      completed_at: timestamp.nullable(),
      state: z.enum(['ahead', 'on_track', 'behind', 'pending']),
    }),
  ),
});
export type BaselineResponse = z.infer<typeof BaselineResponse>;
