import type { Queryable } from '../../store/db.js';
import type { Assignment } from '../types.js';

/**
 * Commits a claim: the task moves pending → assigned only if it is still ready and routable to
 * this claimer, and its fencing epoch goes up by one. Zero rows means Postgres refused.
 */
const CLAIM_SQL = `
UPDATE tasks SET status = 'assigned', lease_epoch = lease_epoch + 1, attempts = attempts + 1,
  lease_expires_at = now() + make_interval(secs => $2), ready_since = NULL,
  started_at = COALESCE(started_at, now()), failure_reason = NULL
WHERE id = $1 AND status = 'pending' AND NOT held AND ready_since IS NOT NULL
  AND (required_pool IS NULL OR required_pool = $3) AND required_capabilities <@ $4::text[]
  AND ($5::bigint IS NULL OR project_id = $5)
RETURNING id, lease_epoch, lease_expires_at`;

const INSERT_ASSIGNMENT_SQL = `
INSERT INTO assignments (task_id, agent_id, pool, epoch, lease_expires_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING *`;

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

export async function claimTask(
  tx: Queryable,
  taskId: number,
  claimer: { agentId: number; pool: string; capabilities: string[]; projectId?: number | undefined },
  leaseTtlSeconds: number,
): Promise<Assignment | null> {
  const { rows } = await tx.query<{ id: number; lease_epoch: number; lease_expires_at: Date }>(CLAIM_SQL, [
    taskId,
    leaseTtlSeconds,
    claimer.pool,
    claimer.capabilities,
    claimer.projectId ?? null,
  ]);
  const t = rows[0];
  if (!t) return null;
  const a = await tx.query<AssignmentRow>(INSERT_ASSIGNMENT_SQL, [taskId, claimer.agentId, claimer.pool, t.lease_epoch, t.lease_expires_at]);
  return mapAssignment(a.rows[0]!);
}
