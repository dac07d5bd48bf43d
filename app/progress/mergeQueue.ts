import type { Queryable } from '../store/db.js';
import { orderMergeQueue, type MergeDependency, type MergeQueueInput } from '../core/mergeOrder.js';
import { foldTallies, readTallyRows } from './store.js';
import { percentDone, totals } from './maths.js';

/**
 * The merge queue as the database knows it: tasks in review with their pull request, the
 * approvals and check results recorded as evidence, what each still waits for, in the merge
 * queue runner's own order (app/core/mergeOrder.ts): the PR being merged first, then no PR before
 * the PRs of the tasks it depends on, otherwise the engine's order. Read-only.
 */

export interface QueueEntryJson {
  position: number;
  task_id: number;
  key: string;
  title: string;
  epic: string | null;
  project: string;
  base_branch: string;
  pr_number: number | null;
  pr_url: string | null;
  branch: string | null;
  head_sha: string | null;
  state: 'ready' | 'waiting' | 'blocked';
  waits_for: { reason: 'pull_request' | 'dependency' | 'epic' | 'approvals' | 'changes_requested' | 'checks' | 'checks_failed'; detail: string }[];
  approvals: { approved: number; required: number; changes_requested: number; reviewers: { login: string; state: string }[] };
  checks: { state: 'success' | 'pending' | 'failure' | 'none'; passed: number; failed: number; pending: number; runs: { name: string; conclusion: string | null; url: string | null }[] };
  depends_on: string[];
  in_review_since: string;
  /** The merge queue's own record of this PR (app/github/mergeQueue), latest first; null when it never entered. */
  queue: { state: string; mode: string; position: number | null; base_branch: string; waiting_for: string | null; reason: string | null; enqueued_by: string; updated_at: string } | null;
}

interface QueueRow {
  task_id: number;
  state: string;
  mode: string;
  position: number | null;
  base_branch: string;
  waiting_for: string | null;
  reason: string | null;
  enqueued_by: string;
  created_at: Date;
  updated_at: Date;
}

/** Merge queue states past 'queued' and not finished: the runner is merging that PR now. */
const AT_HEAD = new Set(['updating', 'waiting_checks', 'merging']);

/** The merge queue table's latest row per task (absent before migration 0003: then nothing). */
async function readQueueRows(db: Queryable, ids: number[]): Promise<Map<number, QueueRow>> {
  try {
    const { rows } = await db.query<QueueRow>(
      `SELECT DISTINCT ON (task_id) task_id, state, mode, position, base_branch, waiting_for, reason, enqueued_by, created_at, updated_at
       FROM merge_queue WHERE task_id = ANY($1::bigint[]) ORDER BY task_id, created_at DESC, id DESC`,
      [ids],
    );
    return new Map(rows.map((r) => [Number(r.task_id), r]));
  } catch (err) {
    if ((err as { code?: string }).code === '42P01' || (err as { code?: string }).code === '42703') return new Map();
    throw err;
  }
}

const GREEN = new Set(['success', 'neutral', 'skipped']);
const RED = new Set(['failure', 'cancelled', 'timed_out', 'action_required', 'startup_failure', 'stale']);

interface EvidenceRow {
  task_id: number;
  type: string;
  ref: string | null;
  url: string | null;
  metadata: Record<string, unknown> | null;
  created_at: Date;
}

export async function readMergeQueue(
  db: Queryable,
  projectId: number | null,
  requiredApprovals: (projectId: number) => Promise<number> | number,
): Promise<QueueEntryJson[]> {
  const { rows: tasks } = await db.query<{
    id: number;
    key: string;
    title: string;
    epic_id: number | null;
    epic: string | null;
    project_id: number;
    project: string;
    default_branch: string;
    pr_number: number | null;
    branch: string | null;
    priority: number;
    critical_path_hours: number;
    updated_at: Date;
  }>(
    `SELECT t.id, t.key, t.title, t.epic_id, e.key AS epic, t.project_id, p.owner || '/' || p.repo AS project, p.default_branch,
            t.pr_number, t.branch, t.priority, t.critical_path_hours::float8 AS critical_path_hours, t.updated_at
     FROM tasks t JOIN projects p ON p.id = t.project_id LEFT JOIN epics e ON e.id = t.epic_id
     WHERE t.status = 'in_review' AND ($1::bigint IS NULL OR t.project_id = $1)
     ORDER BY t.critical_path_hours DESC, t.priority, t.updated_at, t.id
     LIMIT 1000`,
    [projectId],
  );
  if (!tasks.length) return [];
  const ids = tasks.map((t) => Number(t.id));
  const [ev, deps, tally, queueRows] = await Promise.all([
    db.query<EvidenceRow>(
      `SELECT x.task_id, x.type, x.ref, x.url, x.metadata, x.created_at
       FROM unnest($1::bigint[]) AS q(id)
       CROSS JOIN LATERAL (SELECT task_id, type, ref, url, metadata, created_at FROM evidence
                           WHERE task_id = q.id AND type IN ('pr', 'review', 'check', 'commit')
                           ORDER BY created_at DESC, id DESC LIMIT 300) x`,
      [ids],
    ),
    db.query<{ task_id: number; dep_task_id: number | null; dep_key: string | null; dep_status: string | null; dep_pr: number | null; dep_epic_id: number | null; dep_epic: string | null; threshold: number }>(
      `SELECT q.id AS task_id, d.depends_on_task_id AS dep_task_id, dt.key AS dep_key, dt.status AS dep_status, dt.pr_number AS dep_pr,
              d.depends_on_epic_id AS dep_epic_id, de.key AS dep_epic, d.threshold_percent::float8 AS threshold
       FROM unnest($1::bigint[]) AS q(id)
       JOIN tasks t ON t.id = q.id
       JOIN dependencies d ON d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id)
       LEFT JOIN tasks dt ON dt.id = d.depends_on_task_id
       LEFT JOIN epics de ON de.id = d.depends_on_epic_id`,
      [ids],
    ),
    readTallyRows(db, projectId),
    readQueueRows(db, ids),
  ]);
  const { byEpic } = foldTallies(tally);
  const evidenceOf = new Map<number, EvidenceRow[]>();
  for (const r of ev.rows) (evidenceOf.get(Number(r.task_id)) ?? evidenceOf.set(Number(r.task_id), []).get(Number(r.task_id))!).push(r);
  const required = new Map<number, number>();
  for (const pid of new Set(tasks.map((t) => Number(t.project_id)))) required.set(pid, await requiredApprovals(pid));

  const queued = new Set(ids);
  // Keys unique over projects; within one project they compare as the task keys do.
  const orderKey = (projectId: number, key: string) => `${projectId}/${key}`;
  const entries = tasks.map((t) => {
    const id = Number(t.id);
    const evs = evidenceOf.get(id) ?? [];
    const waits: QueueEntryJson['waits_for'] = [];
    const dependsOn: string[] = [];
    const prerequisites: MergeDependency[] = [];

    // Head of the PR: the latest pull_request event or push on its branch.
    const head = evs.find((e) => (e.type === 'pr' || e.type === 'commit') && e.ref) ?? null;
    const prEv = evs.find((e) => e.type === 'pr');
    const prUrl = prEv?.url && /^https?:\/\//.test(prEv.url) ? prEv.url : null;
    if (t.pr_number === null) waits.push({ reason: 'pull_request', detail: 'no pull request is linked to the task yet' });

    // Reviews: each reviewer's latest word counts; a dismissed review counts for nothing.
    const latest = new Map<string, string>();
    for (const e of [...evs].reverse()) {
      if (e.type !== 'review') continue;
      const m = e.metadata ?? {};
      const login = typeof m.reviewer === 'string' ? m.reviewer : 'unknown';
      const state = String(m.state ?? '').toLowerCase();
      if (m.action === 'dismissed' || state === 'dismissed') latest.delete(login);
      else if (state === 'approved' || state === 'changes_requested') latest.set(login, state);
    }
    const reviewers = [...latest].map(([login, state]) => ({ login, state }));
    const approved = reviewers.filter((r) => r.state === 'approved').length;
    const changes = reviewers.filter((r) => r.state === 'changes_requested').length;
    const need = required.get(Number(t.project_id)) ?? 1;
    if (changes > 0) waits.push({ reason: 'changes_requested', detail: `${changes} reviewer(s) requested changes: ${reviewers.filter((r) => r.state === 'changes_requested').map((r) => r.login).join(', ')}` });
    if (approved < need) waits.push({ reason: 'approvals', detail: `${approved} of ${need} required approval(s)` });

    // Checks on the current head: the latest result of each check run.
    const runs = new Map<string, { name: string; conclusion: string | null; url: string | null }>();
    for (const e of evs) {
      if (e.type !== 'check') continue;
      const m = e.metadata ?? {};
      if (m.kind !== 'check_run' && m.kind !== 'check_suite') continue;
      if (head?.ref && e.ref && e.ref !== head.ref) continue;
      const name = m.kind === 'check_suite' ? `suite:${String(m.app ?? 'checks')}` : String(m.name ?? 'check');
      if (runs.has(name)) continue;
      runs.set(name, { name, conclusion: typeof m.conclusion === 'string' ? m.conclusion : null, url: e.url && /^https?:\/\//.test(e.url) ? e.url : null });
    }
    const list = [...runs.values()].sort((a, b) => a.name.localeCompare(b.name));
    const passed = list.filter((r) => r.conclusion !== null && GREEN.has(r.conclusion)).length;
    const failed = list.filter((r) => r.conclusion !== null && RED.has(r.conclusion)).length;
    const pending = list.length - passed - failed;
    const checkState: QueueEntryJson['checks']['state'] = !list.length ? 'none' : failed ? 'failure' : pending ? 'pending' : 'success';
    if (failed) waits.push({ reason: 'checks_failed', detail: `failing: ${list.filter((r) => r.conclusion && RED.has(r.conclusion)).map((r) => r.name).join(', ')}` });
    else if (pending) waits.push({ reason: 'checks', detail: `pending: ${list.filter((r) => !r.conclusion || (!GREEN.has(r.conclusion) && !RED.has(r.conclusion))).map((r) => r.name).join(', ')}` });

    // Dependencies: their PRs merge first.
    for (const d of deps.rows.filter((r) => Number(r.task_id) === id)) {
      if (d.dep_task_id !== null) {
        const depId = Number(d.dep_task_id);
        if (d.dep_status === 'done' || d.dep_status === 'cancelled') continue;
        dependsOn.push(d.dep_key ?? String(depId));
        prerequisites.push({ key: orderKey(Number(t.project_id), d.dep_key ?? `task ${depId}`), done: false, prNumber: d.dep_pr });
        waits.push({
          reason: 'dependency',
          detail: queued.has(depId)
            ? `merges after ${d.dep_key}${d.dep_pr ? ` (PR #${d.dep_pr})` : ''}`
            : `task ${d.dep_key} is ${d.dep_status}${d.dep_pr ? ` (PR #${d.dep_pr})` : ''}`,
        });
      } else if (d.dep_epic_id !== null) {
        const tl = byEpic.get(Number(d.dep_epic_id));
        const pct = tl ? percentDone(totals(tl)) : 100;
        if (pct + 1e-9 >= Number(d.threshold)) continue;
        dependsOn.push(`epic:${d.dep_epic}@${Number(d.threshold)}`);
        prerequisites.push({ key: orderKey(Number(t.project_id), `epic ${d.dep_epic}`), done: false });
        waits.push({ reason: 'epic', detail: `epic ${d.dep_epic} is ${pct}% done; ${Number(d.threshold)}% needed` });
      }
    }

    const q = queueRows.get(id);
    const live = q !== undefined && (q.state === 'queued' || AT_HEAD.has(q.state));
    const input: MergeQueueInput & { atHead: boolean; json: Omit<QueueEntryJson, 'position'> } = {
      key: orderKey(Number(t.project_id), t.key),
      prNumber: t.pr_number,
      dependsOn: prerequisites,
      criticalPathHours: Number(t.critical_path_hours),
      priority: Number(t.priority),
      // The runner's age is the queue entry's; before it enters, the time in review.
      since: live ? new Date(q.created_at) : new Date(t.updated_at),
      approvals: { approved, required: need, changesRequested: changes },
      checks: checkState,
      atHead: live && AT_HEAD.has(q.state),
      json: {
        task_id: id,
        key: t.key,
        title: t.title,
        epic: t.epic,
        project: t.project,
        base_branch: t.default_branch,
        pr_number: t.pr_number,
        pr_url: prUrl,
        branch: t.branch,
        head_sha: head?.ref ?? null,
        state: 'ready', // set once ordered, below
        waits_for: waits,
        approvals: { approved, required: need, changes_requested: changes, reviewers },
        checks: { state: checkState, passed, failed, pending, runs: list },
        depends_on: dependsOn,
        in_review_since: new Date(t.updated_at).toISOString(),
        queue: q
          ? { state: q.state, mode: q.mode, position: q.position, base_branch: q.base_branch, waiting_for: q.waiting_for, reason: q.reason, enqueued_by: q.enqueued_by, updated_at: new Date(q.updated_at).toISOString() }
          : null,
      },
    };
    return input;
  });
  return orderMergeQueue(entries, (e) => e.atHead).map((o) => {
    const waits = [...o.json.waits_for];
    const cycle = o.waits.find((w) => w.startsWith('dependency cycle'));
    if (cycle) waits.push({ reason: 'dependency', detail: cycle });
    // Blocked (a person must act) and waiting as the runner judges them; no PR yet is waiting too.
    const state = o.state === 'ready' && waits.length ? 'waiting' : o.state;
    return { position: o.position, ...o.json, state, waits_for: waits };
  });
}
