import { footprintsOverlap } from './footprintOverlap.js';
import { checkConclusion, orderMergeQueue, type ChecksState, type MergeDependency, type MergeEligibility, type MergeQueueInput, type MergeWait } from './mergeOrder.js';

/**
 * The one builder of the merge queue: a project's tasks in review, their evidence, their unmet
 * prerequisites and the merge queue's own rows, with the approvals each repository's config
 * requires, in; ordered entries with what each waits for out. `GET /api/git/merge-queue` shows
 * its output and the runner (app/github/mergeQueue/runner.ts) acts on it, so they cannot differ.
 * Pure: the rows come from app/github/mergeQueue/rows.ts.
 */

export interface MergeTaskRow {
  id: number;
  key: string;
  title: string;
  epic: string | null;
  projectId: number;
  /** "owner/repo" */
  project: string;
  defaultBranch: string;
  prNumber: number | null;
  branch: string | null;
  priority: number;
  criticalPathHours: number;
  updatedAt: Date;
  /** Path globs the task touches (tasks.footprint: plan globs and its PR's files). */
  footprint?: readonly string[];
}

export interface MergeEvidenceRow {
  taskId: number;
  type: string;
  ref: string | null;
  url: string | null;
  metadata: Record<string, unknown> | null;
}

/** One prerequisite of a task: a task, or an epic threshold. */
export interface MergePrerequisiteRow {
  taskId: number;
  /** The prerequisite task's key, or the epic's key for a threshold. */
  key: string;
  kind: 'task' | 'epic';
  done: boolean;
  prNumber: number | null;
  status: string | null;
  /** Epic thresholds only. */
  percent?: number;
  threshold?: number;
}

/** The merge queue's latest row per task (schema/migrations/0003_merge_queue.sql). */
export interface MergeQueueRow {
  id: number;
  taskId: number;
  state: string;
  mode: string;
  position: number | null;
  baseBranch: string;
  waitingFor: string | null;
  reason: string | null;
  enqueuedBy: string;
  approvals: number;
  changesRequested: number;
  checks: ChecksState;
  checkNames: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface MergeQueueRows {
  tasks: MergeTaskRow[];
  /** Latest first per task. */
  evidence: MergeEvidenceRow[];
  prerequisites: MergePrerequisiteRow[];
  queue: MergeQueueRow[];
}

export const LIVE_QUEUE_STATES: readonly string[] = ['queued', 'updating', 'waiting_checks', 'merging'];
/** Past 'queued' and not finished: the runner is merging that PR now (and watches its checks itself). */
const AT_HEAD = new Set(['updating', 'waiting_checks', 'merging']);

export interface MergeQueueViewEntry {
  position: number;
  task: MergeTaskRow;
  state: MergeEligibility;
  waits: MergeWait[];
  /** The waits' words joined with "; ", as the runner records them; null when ready. */
  waitingFor: string | null;
  /** The merge queue's live row for the task, null when it is not queued. */
  live: MergeQueueRow | null;
  /** The task's latest merge queue row, finished or not. */
  queue: MergeQueueRow | null;
  approvals: { approved: number; required: number; changesRequested: number; reviewers: { login: string; state: string }[] };
  checks: { state: ChecksState; passed: number; failed: number; pending: number; runs: { name: string; conclusion: string | null; url: string | null }[] };
  dependsOn: string[];
  headSha: string | null;
  prUrl: string | null;
}

const httpUrl = (u: string | null) => (u && /^https?:\/\//.test(u) ? u : null);

/** Orders the rows; `requiredApprovals` is the repository's `.github/fleet.yml` merge.requiredApprovals per project. */
export function buildMergeQueue(rows: MergeQueueRows, requiredApprovals: (projectId: number) => number): MergeQueueViewEntry[] {
  const evidenceOf = new Map<number, MergeEvidenceRow[]>();
  for (const r of rows.evidence) (evidenceOf.get(r.taskId) ?? evidenceOf.set(r.taskId, []).get(r.taskId)!).push(r);
  const prereqOf = new Map<number, MergePrerequisiteRow[]>();
  for (const r of rows.prerequisites) (prereqOf.get(r.taskId) ?? prereqOf.set(r.taskId, []).get(r.taskId)!).push(r);
  const queueOf = new Map(rows.queue.map((q) => [q.taskId, q]));
  // Keys unique over projects; within one project they compare as the task keys do.
  const orderKey = (projectId: number, key: string) => `${projectId}/${key}`;

  const inputs = rows.tasks.map((t) => {
    const evs = evidenceOf.get(t.id) ?? [];
    const q = queueOf.get(t.id) ?? null;
    const live = q && LIVE_QUEUE_STATES.includes(q.state) ? q : null;

    // Head of the PR: the latest pull_request event or push on its branch.
    const head = evs.find((e) => (e.type === 'pr' || e.type === 'commit') && e.ref) ?? null;
    const prUrl = httpUrl(evs.find((e) => e.type === 'pr')?.url ?? null);

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

    // Checks on the current head: the latest result of each check run.
    const runs = new Map<string, { name: string; conclusion: string | null; url: string | null }>();
    for (const e of evs) {
      if (e.type !== 'check') continue;
      const m = e.metadata ?? {};
      if (m.kind !== 'check_run' && m.kind !== 'check_suite') continue;
      if (head?.ref && e.ref && e.ref !== head.ref) continue;
      const name = m.kind === 'check_suite' ? `suite:${String(m.app ?? 'checks')}` : String(m.name ?? 'check');
      if (runs.has(name)) continue;
      runs.set(name, { name, conclusion: typeof m.conclusion === 'string' ? m.conclusion : null, url: httpUrl(e.url) });
    }
    const list = [...runs.values()].sort((a, b) => a.name.localeCompare(b.name));
    const verdict = list.map((r) => checkConclusion(r.conclusion));
    const passed = verdict.filter((v) => v === 'success').length;
    const failed = verdict.filter((v) => v === 'failure').length;
    const pending = list.length - passed - failed;
    const evidenceChecks: ChecksState = !list.length ? 'none' : failed ? 'failure' : pending ? 'pending' : 'success';

    // A queued PR is judged by what the runner last saw of it on GitHub (its snapshot); past
    // 'queued' the runner watches the checks itself. Otherwise by the recorded evidence.
    const approved = live ? live.approvals : reviewers.filter((r) => r.state === 'approved').length;
    const changes = live ? live.changesRequested : reviewers.filter((r) => r.state === 'changes_requested').length;
    const checks: ChecksState = live ? (live.state === 'queued' ? live.checks : 'success') : evidenceChecks;
    const checkNames = live
      ? live.checkNames
      : list.filter((_, i) => (evidenceChecks === 'failure' ? verdict[i] === 'failure' : verdict[i] === 'pending')).map((r) => r.name);

    const dependsOn: string[] = [];
    const prerequisites: MergeDependency[] = [];
    for (const d of prereqOf.get(t.id) ?? []) {
      if (d.done) continue;
      if (d.kind === 'task') {
        dependsOn.push(d.key);
        prerequisites.push({ key: orderKey(t.projectId, d.key), label: d.key, done: false, prNumber: d.prNumber });
      } else {
        // A threshold left out means the whole epic, as the plan parser reads "epic:K".
        const threshold = d.threshold ?? 100;
        dependsOn.push(`epic:${d.key}@${threshold}`);
        prerequisites.push({ key: orderKey(t.projectId, `epic ${d.key}`), label: `epic ${d.key}`, done: false, epic: { percent: d.percent ?? 0, threshold } });
      }
    }
    const required = requiredApprovals(t.projectId);
    const input: MergeQueueInput & { row: MergeTaskRow; extra: Omit<MergeQueueViewEntry, 'position' | 'state' | 'waits' | 'waitingFor' | 'task'> } = {
      key: orderKey(t.projectId, t.key),
      prNumber: t.prNumber,
      dependsOn: prerequisites,
      criticalPathHours: t.criticalPathHours,
      priority: t.priority,
      // The runner's age is the queue entry's; before it enters, the time in review.
      since: live ? live.createdAt : t.updatedAt,
      approvals: { approved, required, changesRequested: changes },
      checks,
      checkNames,
      row: t,
      extra: {
        live,
        queue: q,
        approvals: { approved, required, changesRequested: changes, reviewers },
        checks: { state: checks, passed, failed, pending, runs: list },
        dependsOn,
        headSha: head?.ref ?? null,
        prUrl,
      },
    };
    return input;
  });
  // Overlapping PRs merge one at a time: in GitHub's own queue (native mode) a PR waits while one
  // changing the same files is in it; in app mode the runner merges one PR at a time anyway.
  const inGitHub = inputs.filter((i) => i.extra.live?.mode === 'native' && i.extra.live.state === 'merging');
  const overlapWait = (row: MergeTaskRow, live: MergeQueueRow | null): MergeWait[] => {
    const mine = row.footprint;
    if (live?.mode !== 'native' || live.state !== 'queued' || !mine?.length) return [];
    // Only PRs being merged are in GitHub's queue, and this one is still queued: never itself.
    const other = inGitHub.find((i) => i.row.projectId === row.projectId && footprintsOverlap(i.row.footprint ?? [], mine));
    return other ? [{ reason: 'overlap', detail: `waiting for #${other.row.prNumber} to merge first: they change the same files` }] : [];
  };
  return orderMergeQueue(inputs, (e) => e.extra.live !== null && AT_HEAD.has(e.extra.live.state)).map((o) => {
    // A task in review without a linked PR (never one in the queue, which holds PRs) waits for one.
    const why = [...o.why, ...overlapWait(o.row, o.extra.live)];
    const waits: MergeWait[] = o.row.prNumber === null ? [{ reason: 'pull_request', detail: 'no pull request is linked to the task yet' }, ...why] : why;
    return {
      position: o.position,
      task: o.row,
      state: o.state === 'ready' && waits.length ? 'waiting' : o.state,
      waits,
      waitingFor: waits.length ? waits.map((w) => w.detail).join('; ') : null,
      ...o.extra,
    };
  });
}
