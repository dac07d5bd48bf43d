import { z } from 'zod';
import { TASK_STATUSES } from '../app/core/taskStatus.js';

/** Request bodies and queries of the orchestrator API: the one definition the app and the action share. */

const name = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'at most 200 characters')
  .regex(/^[\w./@:-]+$/, 'letters, digits and . _ - / @ : only');
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

export const AssignmentProgressBody = z.strictObject({
  epoch,
  percent_complete: z.number().int().min(0).max(100).optional(),
  status: z.enum(['in_progress', 'in_review', 'done', 'failed']).optional(),
  notes: z.string().max(10_000).optional(),
});

export const AssignmentHeartbeatBody = z.strictObject({ epoch });

export const TaskProgressBody = AssignmentProgressBody;

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

export const ReadyListQuery = z.strictObject({
  pool: label.optional(),
  capabilities: z.string().max(1000).optional(),
  project: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo').optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

export const AssignmentListQuery = z.strictObject({
  status: z.enum(['active', 'completed', 'failed', 'released', 'expired', 'cancelled']).optional(),
  agent_id: z.coerce.number().int().positive().optional(),
  task_id: z.coerce.number().int().positive().optional(),
});

export const IdParam = z.strictObject({ id: z.coerce.number({ error: 'id must be a number' }).int().positive().max(Number.MAX_SAFE_INTEGER) });
export const TaskIdParam = z.strictObject({
  id: z.string().trim().min(1).max(100).regex(/^[\w.-]+$/, 'a task id (number) or key like 1.2'),
});

/** GET /api/agents/:id/assignments */
export const AgentAssignmentsQuery = z.strictObject({
  status: z.enum(['active', 'completed', 'failed', 'released', 'expired', 'cancelled']).optional(),
});

/** The Idempotency-Key header of a claim: what a retry sends again to get the same assignment. */
export const IdempotencyKey = z
  .string({ error: 'Idempotency-Key header: send it once, 1 to 200 visible ASCII characters (a UUID is ideal)' })
  .regex(/^[\x21-\x7e]{1,200}$/, 'Idempotency-Key header: 1 to 200 visible ASCII characters, no spaces (a UUID is ideal)');

export type ClaimBodyT = z.infer<typeof ClaimBody>;
