import { z } from 'zod';
import { TASK_STATUSES } from '../app/core/taskStatus.js';
import { AssignmentStatus } from './apiResponses.js';
import { BudgetsConfigSchema } from './fleetConfig.js';

/** Request bodies and queries of the orchestrator API: the one definition the app and the action share. */

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters')
  .regex(/^[\w./@:-]+$/, 'letters, digits and . _ - / @ : only');
const ownerRepo = z.string().max(200).regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo');
const label = z.string().trim().min(1).max(100).regex(/^[\w./:-]+$/, 'letters, digits and . _ - / : only');
const epoch = z.number({ error: 'epoch must be a number: the lease epoch you were given with the claim' }).int().min(1);

export const AgentHeartbeatBody = z.strictObject({
  name,
  pool: label.optional(),
  labels: z.array(label).max(50).optional(),
  capacity: z.number().int().min(1).max(1000).optional(),
  kind: z.enum(['vm', 'aks', 'local']).optional(),
  /** The assignments the agent is working on; only these leases are extended. */
  assignments: z.array(z.strictObject({ id: z.number().int().positive(), epoch })).max(1000).optional(),
});

export const ClaimBody = z.strictObject({
  agent_id: z.number().int().positive().optional(),
  pool: label.optional(),
  task_key: z.string().trim().min(1).max(100).optional(),
  epoch: epoch.optional(),
  project: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo').optional(),
}).refine((b) => (b.task_key === undefined) === (b.epoch === undefined), {
  message: 'task_key and epoch go together: send both to confirm a dispatched task, or neither to claim the best one',
  path: ['epoch'],
});

export const AssignBody = z.strictObject({
  task_id: z.union([z.number().int().positive(), z.string().trim().min(1).max(100)]),
  agent_id: z.number().int().positive(),
});

/** How an agent run ended (issue 15): the Action's classification, the circuit breaker's input. */
export const ExitReason = z.enum(['agent_error', 'rate_limited', 'timeout', 'budget', 'no_change'], {
  error: 'expected one of agent_error, rate_limited, timeout, budget, no_change',
});

const count = z.number().int().min(0).max(1e12);
/** null: the tool did not say (action/src/usage usageReportBody sends every field). */
const maybe = <T extends z.ZodType>(t: T) => t.nullable().optional();
/** POST /api/assignments/:id/usage: cumulative for the run (its epoch); may be sent several times. */
export const AssignmentUsageBody = z.strictObject({
  epoch,
  input_tokens: maybe(count),
  output_tokens: maybe(count),
  cached_input_tokens: maybe(count),
  cost_usd: maybe(z.number().min(0).max(1e6)),
  model: maybe(z.string().trim().min(1).max(200)),
  turns: maybe(count),
  wall_seconds: maybe(z.number().min(0).max(1e7)),
  runner_minutes: maybe(z.number().min(0).max(1e6)),
  /** Where the numbers came from: usage_file, claude_code, codex. */
  source: maybe(z.string().trim().min(1).max(50)),
  /** True once the tool's final totals were seen. */
  final: z.boolean().optional(),
});

/** `:project` in /api/projects/:project/...: the numeric id or the URL-encoded owner/repo. */
export const ProjectParam = z.strictObject({
  project: z.string().trim().min(1).max(200).regex(/^(\d+|[\w.-]+\/[\w.-]+)$/, 'expected the numeric project id or owner/repo (URL-encoded: owner%2Frepo)'),
});

/** PUT /api/projects/:project/budgets: the `.github/fleet.yml` `budgets` object. */
export const ProjectBudgetsBody = z.strictObject(BudgetsConfigSchema.shape, {
  error: (iss) =>
    iss.code === 'unrecognized_keys'
      ? `unknown budget ${iss.keys.join(', ')}: accepted are perTaskUsd, perEpicUsd, perDayUsd (USD) and perTaskMinutes`
      : iss.code === 'invalid_type'
        ? 'expected an object with any of perTaskUsd, perEpicUsd, perDayUsd (USD) and perTaskMinutes'
        : undefined,
});

/** PATCH /api/assignments/:id/progress and PATCH /api/tasks/:id/progress */
export const AssignmentProgressBody = z.strictObject({
  epoch,
  percent_complete: z.number().int().min(0).max(100).optional(),
  status: z.enum(['in_progress', 'in_review', 'done', 'failed']).optional(),
  notes: z.string().max(10_000).optional(),
  /** Issue 15: why the agent stopped (action/src/exitReason.ts), sent with a failure report. */
  exit_reason: ExitReason.optional(),
});

export const AssignmentHeartbeatBody = z.strictObject({ epoch });

export const TaskGitBody = z.strictObject({
  epoch: epoch.optional(),
  branch: z.string().trim().min(1).max(250).regex(/^[\w./-]+$/, 'a git branch name: letters, digits and . _ - /').optional(),
  pr_number: z.number().int().positive().optional(),
  pr_url: z.url({ protocol: /^https?$/, error: 'expected the pull request\'s http(s) URL' }).max(500).optional(),
});

export const TaskListQuery = z.strictObject({
  status: z.enum(TASK_STATUSES).optional(),
  epic: z.string().max(20).regex(/^[\w.-]+$/, 'an epic key like 1').optional(),
  project: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo').optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/** GET /api/tasks/:id: a key several projects share needs ?project=owner/repo. */
export const TaskGetQuery = z.strictObject({ project: TaskListQuery.shape.project });
/** GET /api/tasks/:id/feedback (#14): the task by id or key, `project` as for GET /api/tasks/:id. */
export const TaskFeedbackQuery = TaskGetQuery;

export const ReadyListQuery = z.strictObject({
  pool: label.optional(),
  capabilities: z.string().max(1000).optional(),
  project: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo').optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const AssignmentListQuery = z.strictObject({
  project: ownerRepo.optional(),
  status: AssignmentStatus.optional(),
  agent_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
});

export const IdParam = z.strictObject({ id: z.coerce.number({ error: 'id must be a number' }).int().positive().max(Number.MAX_SAFE_INTEGER) });
export const TaskIdParam = z.strictObject({
  id: z.string().trim().min(1).max(100).regex(/^[\w.-]+$/, 'a task id (number) or key like 1.2'),
});

/** GET /api/agents/:id/assignments */
export const AgentAssignmentsQuery = z.strictObject({
  project: ownerRepo.optional(),
  status: AssignmentStatus.optional(),
});
/** GET /api/agents */
export const AgentListQuery = z.strictObject({ project: ownerRepo.optional() });

/** The Idempotency-Key header of a claim: what a retry sends again to get the same assignment. */
export const IdempotencyKey = z
  .string({ error: 'Idempotency-Key header: send it once, 1 to 200 visible ASCII characters (a UUID is ideal)' })
  .regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key header: 1 to 200 visible ASCII characters, no spaces (a UUID is ideal)');

// ---- /api/git/* ---------------------------------------------------------------------------

/** Postgres text cannot hold NUL: refuse it as input instead of failing on it. */
const text = (max: number) =>
  z
    .string()
    .max(max, `at most ${max} characters`)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters');
const limit = (max: number) =>
  z.coerce.number({ error: 'limit must be a number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(max, `limit must be at most ${max}`);

const evidenceUrl = z
  .string()
  .trim()
  .max(2000, 'at most 2000 characters')
  .refine((u) => !u.includes('\u0000'), 'must not contain NUL characters')
  .refine((u) => {
    try {
      const p = new URL(u);
      return p.protocol === 'https:' || p.protocol === 'http:';
    } catch {
      return false;
    }
  }, 'expected an http(s) URL');

/** POST /api/git/evidence: what an agent reports (the route narrows `type` to note, test or build). */
export const EvidenceBody = z.strictObject({
  task_id: z.union([z.number().int().positive(), text(100).trim().min(1)], { error: 'expected the task id (a number) or key (like "1.2")' }),
  type: text(40).trim().min(1, 'type is required: note, test or build'),
  source: text(40).optional(),
  project: ownerRepo.optional(),
  ref: text(1000).trim().min(1).optional(),
  url: evidenceUrl.optional(),
  summary: text(10_000).optional(),
  result: z.enum(['passed', 'failed', 'error', 'skipped']).optional(),
  metadata: z
    .record(z.string().max(100), z.unknown())
    .refine((m) => JSON.stringify(m).length <= 16_384, 'metadata must be at most 16 KB of JSON')
    .refine((m) => !JSON.stringify(m).includes('\\u0000'), 'metadata must not contain NUL characters')
    .optional(),
});

/** GET /api/git/evidence and GET /api/git/evidence/:task_id */
export const EvidenceListQuery = z.strictObject({
  project: ownerRepo.optional(),
  type: z.string().max(40).regex(/^[a-z_]+$/, 'expected an evidence type such as pr, check or note').optional(),
  limit: limit(500).optional(),
});
export const EvidenceTaskParam = z.strictObject({ task_id: text(100).trim().min(1) });
/** GET /api/git/branches */
export const BranchesQuery = z.strictObject({ project: ownerRepo.optional(), limit: limit(1000).optional() });
/** GET /api/git/merge-queue */
export const MergeQueueQuery = z.strictObject({ project: ownerRepo.optional() });

// ---- /api/progress/* ----------------------------------------------------------------------

/** The most snapshots one GET /api/progress/history answer holds. */
const HISTORY_MAX_LIMIT = 1000;

/** GET /api/progress/summary */
export const ProgressSummaryQuery = z.strictObject({ project: ownerRepo.optional() });
/** GET /api/progress/projects */
export const ProjectListQuery = z.strictObject({});
/** GET /api/progress/agents */
export const ProgressAgentsQuery = z.strictObject({
  project: ownerRepo.optional(),
  window_hours: z.coerce.number({ error: 'expected a number of hours' }).int('expected a whole number of hours').min(1).max(24 * 90).optional(),
});
/** POST /api/progress/snapshot */
export const SnapshotBody = z.strictObject({ project: ownerRepo.optional() });
/** GET /api/progress/history/:project_id */
export const HistoryParams = z.strictObject({
  project_id: z.coerce.number({ error: 'project_id must be a number' }).int('project_id must be a whole number').positive().max(Number.MAX_SAFE_INTEGER),
});
export const HistoryQuery = z.strictObject({
  since: z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'expected an ISO date or date-time, e.g. 2025-01-31 or 2025-01-31T12:00:00Z' }).optional(),
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(HISTORY_MAX_LIMIT, `limit must be at most ${HISTORY_MAX_LIMIT}`)
    .optional(),
});
/** GET /api/progress/graph */
export const GraphQuery = z.strictObject({
  project: ownerRepo.optional(),
  limit: z.coerce.number({ error: 'limit must be a number' }).int().min(1).max(5000, 'limit must be at most 5000').optional(),
});
