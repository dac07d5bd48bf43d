import type { Db } from '../../store/db.js';
import type { ChecksState } from '../../core/mergeOrder.js';

/** Rows of `merge_queue` (schema/migrations/0003_merge_queue.sql) and the SQL around them. */

export type EntryState = 'queued' | 'updating' | 'waiting_checks' | 'merging' | 'merged' | 'failed' | 'removed';
export const LIVE_STATES: readonly EntryState[] = ['queued', 'updating', 'waiting_checks', 'merging'];
export type QueueMode = 'app' | 'native';

export interface QueueEntry {
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

interface Row {
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

const COLUMNS = `id, project_id, base_branch, task_id, pr_number, pr_node_id, head_sha, mode, state, waiting_for, position, approvals,
  changes_requested, checks, check_names, expected_checks, enqueued_by, branch_updated_at, merge_sha, reason, created_at, updated_at`;

const map = (r: Row): QueueEntry => ({
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

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

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

export class MergeQueueStore {
  constructor(readonly db: Db) {}

  async live(projectId: number, prNumber: number): Promise<QueueEntry | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND pr_number = $2 AND state = ANY($3::text[]) LIMIT 1`,
      [projectId, prNumber, LIVE_STATES],
    );
    return rows[0] ? map(rows[0]) : null;
  }

  async latest(projectId: number, prNumber: number): Promise<QueueEntry | null> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND pr_number = $2 ORDER BY id DESC LIMIT 1`,
      [projectId, prNumber],
    );
    return rows[0] ? map(rows[0]) : null;
  }

  async byId(id: number): Promise<QueueEntry | null> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM merge_queue WHERE id = $1`, [id]);
    return rows[0] ? map(rows[0]) : null;
  }

  /** Live entries whose head is this commit or whose PR is one of these. */
  async liveFor(projectId: number, headSha: string | null, prNumbers: readonly number[]): Promise<QueueEntry[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM merge_queue
       WHERE project_id = $1 AND state = ANY($4::text[]) AND (head_sha = $2 OR pr_number = ANY($3::int[]))
       ORDER BY id`,
      [projectId, headSha, [...prNumbers], LIVE_STATES],
    );
    return rows.map(map);
  }

  async liveOnBase(projectId: number, base: string): Promise<QueueEntry[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM merge_queue WHERE project_id = $1 AND base_branch = $2 AND state = ANY($3::text[]) ORDER BY id`,
      [projectId, base, LIVE_STATES],
    );
    return rows.map(map);
  }

  /** Inserts a live entry; null when the PR already has one (a concurrent enqueue won). */
  async insert(e: {
    projectId: number;
    baseBranch: string;
    taskId: number;
    prNumber: number;
    mode: QueueMode;
    enqueuedBy: string;
    snapshot: Snapshot;
  }): Promise<QueueEntry | null> {
    try {
      const { rows } = await this.db.query<Row>(
        `INSERT INTO merge_queue (project_id, base_branch, task_id, pr_number, pr_node_id, head_sha, mode, enqueued_by,
           approvals, changes_requested, checks, expected_checks, check_names)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text[], $13::text[])
         RETURNING ${COLUMNS}`,
        [
          e.projectId,
          e.baseBranch,
          e.taskId,
          e.prNumber,
          e.snapshot.prNodeId,
          e.snapshot.headSha,
          e.mode,
          e.enqueuedBy.slice(0, 100),
          e.snapshot.approvals,
          e.snapshot.changesRequested,
          e.snapshot.checks,
          e.snapshot.expectedChecks ?? [],
          e.snapshot.checkNames ?? [],
        ],
      );
      return map(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  async snapshot(id: number, s: Snapshot): Promise<void> {
    await this.db.query(
      `UPDATE merge_queue SET head_sha = $2, pr_node_id = COALESCE($3, pr_node_id), approvals = $4, changes_requested = $5, checks = $6,
         expected_checks = CASE WHEN cardinality($7::text[]) > 0 THEN $7::text[] ELSE expected_checks END,
         check_names = $8::text[], updated_at = now()
       WHERE id = $1`,
      [id, s.headSha, s.prNodeId || null, s.approvals, s.changesRequested, s.checks, s.expectedChecks ?? [], s.checkNames ?? []],
    );
  }

  /**
   * Moves a live entry from one of `from` to `to` (with optional column changes); false when
   * another process moved it first, or when `to` would make a second head on the base branch.
   */
  async move(
    id: number,
    from: readonly EntryState[],
    to: EntryState,
    set: { waitingFor?: string | null; headSha?: string; reason?: string; mergeSha?: string | null; branchUpdated?: boolean | null } = {},
  ): Promise<boolean> {
    const finished = to === 'merged' || to === 'failed' || to === 'removed';
    try {
      const { rowCount } = await this.db.query(
        `UPDATE merge_queue SET state = $3,
           waiting_for = CASE WHEN $4::boolean THEN $5 ELSE waiting_for END,
           head_sha = COALESCE($6, head_sha),
           reason = COALESCE($7, reason),
           merge_sha = COALESCE($8, merge_sha),
           branch_updated_at = CASE WHEN $9::boolean IS NULL THEN branch_updated_at WHEN $9 THEN now() ELSE NULL END,
           position = CASE WHEN $10::boolean THEN NULL ELSE position END,
           finished_at = CASE WHEN $10::boolean THEN now() ELSE finished_at END,
           updated_at = now()
         WHERE id = $1 AND state = ANY($2::text[])`,
        [
          id,
          [...from],
          to,
          set.waitingFor !== undefined || finished,
          finished ? null : (set.waitingFor ?? null),
          set.headSha ?? null,
          set.reason?.slice(0, 1000) ?? null,
          set.mergeSha ?? null,
          set.branchUpdated ?? null,
          finished,
        ],
      );
      return rowCount > 0;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async setWaiting(id: number, waitingFor: string | null): Promise<void> {
    await this.db.query('UPDATE merge_queue SET waiting_for = $2, updated_at = now() WHERE id = $1 AND waiting_for IS DISTINCT FROM $2', [id, waitingFor]);
  }

  async setPositions(items: { id: number; position: number; waitingFor: string | null }[]): Promise<void> {
    if (!items.length) return;
    await this.db.query(
      `UPDATE merge_queue q SET position = x.position, waiting_for = COALESCE(x.waiting_for, CASE WHEN q.state = 'queued' THEN NULL ELSE q.waiting_for END)
       FROM unnest($1::bigint[], $2::int[], $3::text[]) AS x(id, position, waiting_for)
       WHERE q.id = x.id AND (q.position IS DISTINCT FROM x.position OR (q.state = 'queued' AND q.waiting_for IS DISTINCT FROM x.waiting_for))`,
      [items.map((i) => i.id), items.map((i) => i.position), items.map((i) => i.waitingFor)],
    );
  }
}
