import type { Queryable } from '../../store/db.js';
import type { PlanProvenance } from '../../plan/planProvenance.js';

const HELD_SQL = `SELECT key, hold_reason, ready_after FROM tasks WHERE project_id = $1 AND held AND hold_reason IS NOT NULL ORDER BY key`;
const UNTRUSTED_SQL = `SELECT key, untrusted_edit_by, untrusted_edit_at FROM tasks WHERE project_id = $1 AND untrusted_edit_at IS NOT NULL ORDER BY key`;
const PROVENANCE_SQL = `SELECT plan_path, plan_commit, plan_hash FROM tasks WHERE id = $1`;
const UNTRUSTED_EDIT_SQL = `UPDATE tasks SET untrusted_edit_at = $3, untrusted_edit_by = $4 WHERE project_id = $1 AND issue_number = $2 RETURNING key`;

export async function guardHeldTasks(q: Queryable, projectId: number): Promise<{ key: string; reason: 'budget' | 'paused' | 'backoff' | 'stopped'; readyAfter: Date | null }[]> {
  const { rows } = await q.query<{ key: string; hold_reason: 'budget' | 'paused' | 'backoff' | 'stopped'; ready_after: Date | null }>(HELD_SQL, [projectId]);
  return rows.map((r) => ({ key: r.key, reason: r.hold_reason, readyAfter: r.ready_after }));
}

export async function untrustedEdits(q: Queryable, projectId: number): Promise<{ key: string; by: string | null; at: Date }[]> {
  const { rows } = await q.query<{ key: string; untrusted_edit_by: string | null; untrusted_edit_at: Date }>(UNTRUSTED_SQL, [projectId]);
  return rows.map((r) => ({ key: r.key, by: r.untrusted_edit_by, at: r.untrusted_edit_at }));
}


/** The plan file, commit and content hash the task's text was synced from; null when not from a plan file. */
export async function taskProvenance(q: Queryable, taskId: number): Promise<PlanProvenance | null> {
  const { rows } = await q.query<{ plan_path: string | null; plan_commit: string | null; plan_hash: string | null }>(PROVENANCE_SQL, [taskId]);
  const r = rows[0];
  return r?.plan_path ? { planPath: r.plan_path, planCommit: r.plan_commit, planHash: r.plan_hash } : null;
}

/** Flags the task of an issue whose body someone without write access edited; the task keys flagged. */
export async function flagUntrustedEdit(q: Queryable, projectId: number, issueNumber: number, at: Date, by: string): Promise<string[]> {
  const { rows } = await q.query<{ key: string }>(UNTRUSTED_EDIT_SQL, [projectId, issueNumber, at, by]);
  return rows.map((r) => r.key);
}
