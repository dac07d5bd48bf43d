import type { Queryable } from '../../store/db.js';
import type { Assignment, Task } from '../types.js';
import { TASK_COLUMNS, mapTask, type TaskRow } from './taskRow.js';

/** Both claim statements end the same way: the claimed task (alias t) and its new assignment (a) as one row. */
const CLAIMED_ROW = `SELECT ${TASK_COLUMNS},
  a.id AS a_id, a.agent_id AS a_agent_id, a.pool AS a_pool, a.epoch AS a_epoch, a.status AS a_status,
  a.percent_complete AS a_percent_complete, a.notes AS a_notes, a.end_reason AS a_end_reason,
  a.workflow_run_id AS a_workflow_run_id, a.runner_name AS a_runner_name, a.lease_expires_at AS a_lease_expires_at,
  a.created_at AS a_created_at, a.updated_at AS a_updated_at, a.ended_at AS a_ended_at
FROM a JOIN t ON t.id = a.task_id LEFT JOIN epics e ON e.id = t.epic_id`;

// The lease length is the project's own (set from its .github/fleet.yml) or the server default $2.

/**
 * Commits a claim in one statement: the task moves pending → assigned only if it is still ready
 * and routable to this claimer, its fencing epoch goes up by one, and the assignment row is
 * written. No row back means Postgres refused.
 */
const CLAIM_SQL = `
WITH t AS (
  UPDATE tasks SET status = 'assigned', lease_epoch = lease_epoch + 1, attempts = attempts + 1,
    lease_expires_at = now() + make_interval(secs => COALESCE((SELECT p.lease_ttl_seconds FROM projects p WHERE p.id = tasks.project_id), $2)),
    ready_since = NULL,
    started_at = COALESCE(started_at, now()), failure_reason = NULL
  WHERE id = $1 AND ready
    AND (required_pool IS NULL OR required_pool = $3) AND required_capabilities <@ $4::text[]
    AND ($5::bigint IS NULL OR project_id = $5)
  RETURNING *
), a AS (
  INSERT INTO assignments (task_id, agent_id, pool, epoch, lease_expires_at)
  SELECT id, $6, $3, lease_epoch, lease_expires_at FROM t
  RETURNING *
), k AS (
  INSERT INTO claim_requests (caller, key, assignment_id) SELECT $7::text, $8::text, id FROM a WHERE $8::text IS NOT NULL
)
${CLAIMED_ROW}`;

export interface AssignmentRow {
  id: number;
  task_id: number;
  agent_id: number | null;
  pool: string | null;
  epoch: number;
  status: Assignment['status'];
  percent_complete: number;
  notes: string | null;
  end_reason: string | null;
  workflow_run_id: number | null;
  runner_name: string | null;
  lease_expires_at: Date;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

export function mapAssignment(r: AssignmentRow): Assignment {
  return {
    id: r.id,
    taskId: r.task_id,
    agentId: r.agent_id,
    pool: r.pool,
    epoch: Number(r.epoch),
    status: r.status,
    percentComplete: r.percent_complete,
    notes: r.notes,
    endReason: r.end_reason,
    workflowRunId: r.workflow_run_id === null ? null : Number(r.workflow_run_id),
    runnerName: r.runner_name,
    leaseExpiresAt: r.lease_expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
  };
}

/**
 * The Redis path's claim, one statement and no explicit transaction: the index already chose the
 * task, the statement checks it against the agent's current row (active, pool, labels) and the
 * capacity trigger (migration 0005) serialises claims of one agent. Unless $7 (the index's
 * conflict-aware choice picked it), a task that names files is refused: the index popped it
 * believing its project names none, which is stale, and the choice might have passed it over.
 * A task naming no files overlaps nothing, so the choice would have taken it too.
 */
const CLAIM_FOR_AGENT_SQL = `
WITH ag AS (SELECT id, pool, labels FROM agents WHERE id = $3 AND active),
t AS (
  UPDATE tasks SET status = 'assigned', lease_epoch = lease_epoch + 1, attempts = attempts + 1,
    lease_expires_at = now() + make_interval(secs => COALESCE((SELECT p.lease_ttl_seconds FROM projects p WHERE p.id = tasks.project_id), $2)),
    ready_since = NULL,
    started_at = COALESCE(started_at, now()), failure_reason = NULL
  FROM ag
  WHERE tasks.id = $1 AND tasks.ready
    AND (tasks.required_pool IS NULL OR tasks.required_pool = ag.pool) AND tasks.required_capabilities <@ ag.labels
    AND ($4::bigint IS NULL OR tasks.project_id = $4)
    AND ($7::boolean OR tasks.footprint = '{}')
  RETURNING tasks.*, ag.pool AS agent_pool
), a AS (
  INSERT INTO assignments (task_id, agent_id, pool, epoch, lease_expires_at)
  SELECT id, $3, agent_pool, lease_epoch, lease_expires_at FROM t
  RETURNING *
), k AS (
  INSERT INTO claim_requests (caller, key, assignment_id) SELECT $5::text, $6::text, id FROM a WHERE $6::text IS NOT NULL
)
${CLAIMED_ROW}`;

/** What the capacity trigger raises; the claim reports "nothing for you now" rather than an error. */
export function isCapacityRefusal(err: unknown): 'full' | 'inactive' | null {
  const e = err as { code?: string; message?: string };
  if (e?.code !== 'P0001' || typeof e.message !== 'string') return null;
  if (e.message.startsWith('agent_at_capacity')) return 'full';
  if (e.message.startsWith('agent_inactive')) return 'inactive';
  return null;
}

function claimedRow(r: (TaskRow & Record<string, unknown>) | undefined): { assignment: Assignment; task: Task } | null {
  if (!r) return null;
  const a = Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('a_')).map(([k, v]) => [k.slice(2), v]));
  return { task: mapTask(r), assignment: mapAssignment({ ...(a as unknown as AssignmentRow), task_id: r.id }) };
}

/** A claim's Idempotency-Key and who sent it; written with the claim, in the same statement. */
export interface ClaimKey {
  caller: string;
  key: string;
}

export async function claimTaskForAgent(
  db: Queryable,
  taskId: number,
  agentId: number,
  projectId: number | undefined,
  leaseTtlSeconds: number,
  idem?: ClaimKey | undefined,
  conflictsChecked = false,
): Promise<{ assignment: Assignment; task: Task } | null> {
  const { rows } = await db.query<TaskRow & Record<string, unknown>>(CLAIM_FOR_AGENT_SQL, [
    taskId,
    leaseTtlSeconds,
    agentId,
    projectId ?? null,
    idem?.caller ?? null,
    idem?.key ?? null,
    conflictsChecked,
  ]);
  return claimedRow(rows[0]);
}

export async function claimTask(
  tx: Queryable,
  taskId: number,
  claimer: { agentId: number; pool: string; capabilities: string[]; projectId?: number | undefined },
  leaseTtlSeconds: number,
  idem?: ClaimKey | undefined,
): Promise<{ assignment: Assignment; task: Task } | null> {
  const { rows } = await tx.query<TaskRow & Record<string, unknown>>(CLAIM_SQL, [
    taskId,
    leaseTtlSeconds,
    claimer.pool,
    claimer.capabilities,
    claimer.projectId ?? null,
    claimer.agentId,
    idem?.caller ?? null,
    idem?.key ?? null,
  ]);
  return claimedRow(rows[0]);
}

export { claimByKey } from './claimByKey.js';

/** Two requests with one key raced and the other one's claim committed first. */
export function isDuplicateClaimKey(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'claim_requests_pkey';
}
