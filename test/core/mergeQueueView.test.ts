import { describe, expect, it } from 'vitest';
import {
  buildMergeQueue,
  LIVE_QUEUE_STATES,
  type MergeEvidenceRow,
  type MergePrerequisiteRow,
  type MergeQueueRow,
  type MergeQueueRows,
  type MergeTaskRow,
} from '../../app/core/mergeQueueView.js';

/**
 * The merge queue builder, pure: the rows app/github/mergeQueue/rows.ts reads, in; the entries
 * the runner merges from and `GET /api/git/merge-queue` shows, out. The database tests
 * (test/github/mergeQueue.test.ts, test/progress/api.test.ts) reach it through Postgres; these
 * pin each rule on its own, in milliseconds, so the pure mutation run covers the file.
 */

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

const task = (id: number, o: Partial<MergeTaskRow> = {}): MergeTaskRow => ({
  id,
  key: `1.${id}`,
  title: `Task ${id}`,
  epic: '1',
  projectId: 1,
  project: 'acme/web',
  defaultBranch: 'main',
  prNumber: 100 + id,
  branch: `fleet/1.${id}`,
  priority: 2,
  criticalPathHours: 10,
  updatedAt: at(id),
  ...o,
});

const pr = (taskId: number, sha: string, url: string | null = `https://github.com/acme/web/pull/${100 + taskId}`): MergeEvidenceRow => ({
  taskId,
  type: 'pr',
  ref: sha,
  url,
  metadata: null,
});
const commit = (taskId: number, sha: string): MergeEvidenceRow => ({ taskId, type: 'commit', ref: sha, url: null, metadata: null });
const review = (taskId: number, metadata: Record<string, unknown> | null): MergeEvidenceRow => ({ taskId, type: 'review', ref: null, url: null, metadata });
const check = (taskId: number, sha: string | null, metadata: Record<string, unknown> | null, url: string | null = null): MergeEvidenceRow => ({
  taskId,
  type: 'check',
  ref: sha,
  url,
  metadata,
});
const run = (name: string, conclusion: string | null) => ({ kind: 'check_run', name, conclusion });

const queueRow = (taskId: number, o: Partial<MergeQueueRow> = {}): MergeQueueRow => ({
  id: taskId,
  taskId,
  state: 'queued',
  mode: 'app',
  position: 1,
  baseBranch: 'main',
  waitingFor: null,
  reason: null,
  enqueuedBy: 'lead',
  approvals: 1,
  changesRequested: 0,
  checks: 'success',
  checkNames: [],
  createdAt: at(100),
  updatedAt: at(100),
  ...o,
});

const rows = (o: Partial<MergeQueueRows>): MergeQueueRows => ({ tasks: [], evidence: [], prerequisites: [], queue: [], ...o });
const one = (o: Partial<MergeQueueRows>, required = 1) => {
  const out = buildMergeQueue(rows(o), () => required);
  expect(out).toHaveLength(1);
  return out[0]!;
};

/** One task, approved once, its checks green on its head: ready unless a test changes one thing. */
const approvedGreen = (id: number, sha = `sha${id}`): MergeEvidenceRow[] => [
  check(id, sha, run('ci', 'success')),
  pr(id, sha),
  review(id, { reviewer: 'ann', state: 'APPROVED' }),
];

describe('buildMergeQueue: an empty queue and a ready task', () => {
  it('returns nothing for no tasks', () => {
    expect(buildMergeQueue(rows({}), () => 1)).toEqual([]);
  });

  it('is ready when approved as required, green on its head and free of prerequisites', () => {
    const e = one({ tasks: [task(1)], evidence: approvedGreen(1) });
    expect(e).toMatchObject({
      position: 1,
      state: 'ready',
      waits: [],
      waitingFor: null,
      live: null,
      queue: null,
      dependsOn: [],
      headSha: 'sha1',
      prUrl: 'https://github.com/acme/web/pull/101',
      approvals: { approved: 1, required: 1, changesRequested: 0, reviewers: [{ login: 'ann', state: 'approved' }] },
      checks: { state: 'success', passed: 1, failed: 0, pending: 0, runs: [{ name: 'ci', conclusion: 'success', url: null }] },
    });
    expect(e.task.id).toBe(1);
  });

  it('asks each project for its own required approvals', () => {
    const asked: number[] = [];
    const out = buildMergeQueue(rows({ tasks: [task(1, { projectId: 7 }), task(2, { projectId: 9 })], evidence: [...approvedGreen(1), ...approvedGreen(2)] }), (pid) => {
      asked.push(pid);
      return pid === 9 ? 2 : 1;
    });
    expect(asked.sort()).toEqual([7, 9]);
    const byId = new Map(out.map((e) => [e.task.id, e]));
    expect(byId.get(1)).toMatchObject({ state: 'ready', approvals: { approved: 1, required: 1 } });
    expect(byId.get(2)).toMatchObject({ state: 'waiting', approvals: { approved: 1, required: 2 }, waitingFor: 'waiting for 1 more approval (1 of 2)' });
  });
});

describe('buildMergeQueue: the head and the PR link', () => {
  it('takes the head from the latest pull_request or push evidence that names a commit', () => {
    // Latest first: the push after the PR was opened is the head.
    expect(one({ tasks: [task(1)], evidence: [commit(1, 'new'), pr(1, 'old')] }).headSha).toBe('new');
    // Evidence without a commit does not name the head.
    expect(one({ tasks: [task(1)], evidence: [{ ...commit(1, 'x'), ref: null }, pr(1, 'old')] }).headSha).toBe('old');
    // Nor does other evidence with a ref (a check names the commit it ran on, not the head).
    expect(one({ tasks: [task(1)], evidence: [check(1, 'c', run('ci', 'success')), pr(1, 'old')] }).headSha).toBe('old');
    expect(one({ tasks: [task(1)], evidence: [] }).headSha).toBeNull();
  });

  it("links the latest PR evidence's web address, and only an http(s) one", () => {
    expect(one({ tasks: [task(1)], evidence: [pr(1, 'b', 'https://github.com/acme/web/pull/9'), pr(1, 'a', 'https://github.com/acme/web/pull/8')] }).prUrl).toBe(
      'https://github.com/acme/web/pull/9',
    );
    expect(one({ tasks: [task(1)], evidence: [pr(1, 'a', 'http://ghe.local/acme/web/pull/8')] }).prUrl).toBe('http://ghe.local/acme/web/pull/8');
    expect(one({ tasks: [task(1)], evidence: [pr(1, 'a', 'javascript:alert(1)')] }).prUrl).toBeNull();
    expect(one({ tasks: [task(1)], evidence: [pr(1, 'a', 'see https://github.com/x')] }).prUrl).toBeNull();
    expect(one({ tasks: [task(1)], evidence: [pr(1, 'a', null)] }).prUrl).toBeNull();
    // A commit's address is not the PR's.
    expect(one({ tasks: [task(1)], evidence: [{ ...commit(1, 'a'), url: 'https://github.com/acme/web/commit/a' }] }).prUrl).toBeNull();
  });

  it("keeps each task's evidence to itself", () => {
    const out = buildMergeQueue(rows({ tasks: [task(1), task(2)], evidence: [...approvedGreen(1, 'one'), pr(2, 'two')] }), () => 1);
    const byId = new Map(out.map((e) => [e.task.id, e]));
    expect(byId.get(1)).toMatchObject({ headSha: 'one', state: 'ready' });
    expect(byId.get(2)).toMatchObject({ headSha: 'two', approvals: { approved: 0, reviewers: [] }, checks: { state: 'none', runs: [] } });
  });
});

describe('buildMergeQueue: reviews', () => {
  it("counts each reviewer's latest word (evidence comes latest first)", () => {
    const e = one({
      tasks: [task(1)],
      evidence: [
        review(1, { reviewer: 'ann', state: 'changes_requested' }),
        review(1, { reviewer: 'bob', state: 'approved' }),
        review(1, { reviewer: 'ann', state: 'approved' }),
        review(1, { reviewer: 'bob', state: 'changes_requested' }),
      ],
    });
    expect(e.approvals).toEqual({
      approved: 1,
      required: 1,
      changesRequested: 1,
      reviewers: [
        { login: 'bob', state: 'approved' },
        { login: 'ann', state: 'changes_requested' },
      ],
    });
    expect(e.state).toBe('blocked');
    expect(e.waits).toEqual([{ reason: 'changes_requested', detail: 'changes requested by 1 reviewer' }]);
  });

  it('drops a dismissed review, by action or by state, and ignores comments', () => {
    const e = one({
      tasks: [task(1)],
      evidence: [
        review(1, { reviewer: 'cat', state: 'commented' }),
        review(1, { reviewer: 'bob', state: 'DISMISSED' }),
        review(1, { reviewer: 'ann', action: 'dismissed', state: 'approved' }),
        review(1, { reviewer: 'bob', state: 'approved' }),
        review(1, { reviewer: 'ann', state: 'approved' }),
      ],
    });
    expect(e.approvals).toMatchObject({ approved: 0, changesRequested: 0, reviewers: [] });
    expect(e.waitingFor).toBe('waiting for 1 more approval (0 of 1)');
  });

  it('keeps a review given after a dismissal', () => {
    const e = one({ tasks: [task(1)], evidence: [review(1, { reviewer: 'ann', state: 'approved' }), review(1, { reviewer: 'ann', action: 'dismissed' })] });
    expect(e.approvals.reviewers).toEqual([{ login: 'ann', state: 'approved' }]);
  });

  it('names a review without a reviewer "unknown" and one without metadata counts for nothing', () => {
    const e = one({ tasks: [task(1)], evidence: [review(1, { reviewer: 42, state: 'approved' }), review(1, null), review(1, { state: 'approved' })] });
    expect(e.approvals.reviewers).toEqual([{ login: 'unknown', state: 'approved' }]);
    expect(e.approvals.approved).toBe(1);
  });

  it('reads reviews only from review evidence', () => {
    const e = one({ tasks: [task(1)], evidence: [{ taskId: 1, type: 'comment', ref: null, url: null, metadata: { reviewer: 'ann', state: 'approved' } }] });
    expect(e.approvals.reviewers).toEqual([]);
  });
});

describe('buildMergeQueue: checks on the current head', () => {
  it("keeps each check's latest result, on the head only, sorted by name, with counts", () => {
    const e = one({
      tasks: [task(1)],
      evidence: [
        check(1, 'head', run('lint', null), 'https://github.com/acme/web/runs/3'),
        check(1, 'head', run('build', 'failure')),
        check(1, 'head', run('lint', 'success')),
        check(1, 'old', run('test', 'failure')),
        check(1, null, run('docs', 'skipped')),
        check(1, 'head', { kind: 'check_suite', app: 'codecov', conclusion: 'neutral' }),
        check(1, 'head', { kind: 'status', context: 'legacy', state: 'failure' }),
        pr(1, 'head'),
        review(1, { reviewer: 'ann', state: 'approved' }),
      ],
    });
    expect(e.checks).toEqual({
      state: 'failure',
      passed: 2,
      failed: 1,
      pending: 1,
      runs: [
        { name: 'build', conclusion: 'failure', url: null },
        { name: 'docs', conclusion: 'skipped', url: null },
        { name: 'lint', conclusion: null, url: 'https://github.com/acme/web/runs/3' },
        { name: 'suite:codecov', conclusion: 'neutral', url: null },
      ],
    });
    // Failed: only the failing names, not the pending ones.
    expect(e.state).toBe('blocked');
    expect(e.waitingFor).toBe('checks failed: build');
  });

  it('names the pending checks while none failed', () => {
    const e = one({
      tasks: [task(1)],
      evidence: [check(1, 'h', run('b', null)), check(1, 'h', run('a', 'success')), check(1, 'h', run('c', '')), pr(1, 'h'), review(1, { reviewer: 'ann', state: 'approved' })],
    });
    expect(e.checks).toMatchObject({ state: 'pending', passed: 1, failed: 0, pending: 2 });
    expect(e.state).toBe('waiting');
    expect(e.waits).toEqual([{ reason: 'checks', detail: 'waiting for checks: b, c' }]);
  });

  it('reads every check when no head is known, and names unnamed ones', () => {
    const e = one({
      tasks: [task(1)],
      evidence: [check(1, 'x', { kind: 'check_run', conclusion: 'success' }), check(1, 'y', { kind: 'check_suite' }), review(1, { reviewer: 'ann', state: 'approved' })],
    });
    expect(e.headSha).toBeNull();
    expect(e.checks.runs).toEqual([
      { name: 'check', conclusion: 'success', url: null },
      { name: 'suite:checks', conclusion: null, url: null },
    ]);
  });

  it('ignores check evidence of another kind or without metadata, and non-http links', () => {
    const e = one({
      tasks: [task(1)],
      evidence: [
        check(1, 'h', null),
        check(1, 'h', { kind: 'status', name: 'ci', conclusion: 'failure' }),
        check(1, 'h', { kind: 'check_run', name: 'ci', conclusion: 42 }, 'ftp://x'),
        pr(1, 'h'),
      ],
    });
    expect(e.checks).toEqual({ state: 'pending', passed: 0, failed: 0, pending: 1, runs: [{ name: 'ci', conclusion: null, url: null }] });
  });

  it('has no checks when there are none (which does not hold a merge)', () => {
    const e = one({ tasks: [task(1)], evidence: [pr(1, 'h'), review(1, { reviewer: 'ann', state: 'approved' })] });
    expect(e.checks).toEqual({ state: 'none', passed: 0, failed: 0, pending: 0, runs: [] });
    expect(e.state).toBe('ready');
  });

  it('reads checks only from check evidence', () => {
    const e = one({ tasks: [task(1)], evidence: [{ taskId: 1, type: 'ci', ref: 'h', url: null, metadata: run('ci', 'failure') }] });
    expect(e.checks.runs).toEqual([]);
  });
});

describe("buildMergeQueue: a queued PR is judged by the runner's snapshot", () => {
  it('lists the live states', () => {
    expect([...LIVE_QUEUE_STATES].sort()).toEqual(['merging', 'queued', 'updating', 'waiting_checks']);
  });

  it('takes approvals, changes, checks and check names from the live queued row', () => {
    const q = queueRow(1, { approvals: 0, changesRequested: 2, checks: 'pending', checkNames: ['e2e'] });
    const e = one({ tasks: [task(1)], evidence: approvedGreen(1), queue: [q] });
    expect(e.live).toBe(q);
    expect(e.queue).toBe(q);
    expect(e.approvals).toMatchObject({ approved: 0, changesRequested: 2, reviewers: [{ login: 'ann', state: 'approved' }] });
    expect(e.checks.state).toBe('pending');
    // The evidence's own counts stay, for the page.
    expect(e.checks.passed).toBe(1);
    expect(e.state).toBe('blocked');
    expect(e.waitingFor).toBe('changes requested by 2 reviewers; waiting for 1 more approval (0 of 1); waiting for checks: e2e');
  });

  it('counts the checks green once the runner is past queued (it watches them itself)', () => {
    for (const state of ['updating', 'waiting_checks', 'merging']) {
      const e = one({ tasks: [task(1)], evidence: [check(1, 'h', run('ci', 'failure')), pr(1, 'h')], queue: [queueRow(1, { state, checks: 'failure', checkNames: ['ci'] })] });
      expect(e.checks.state).toBe('success');
      expect(e.state).toBe('ready');
    }
  });

  it('falls back to the evidence when the latest queue row is finished', () => {
    const q = queueRow(1, { state: 'merged', approvals: 0, checks: 'failure', checkNames: ['x'] });
    const e = one({ tasks: [task(1)], evidence: approvedGreen(1), queue: [q] });
    expect(e.live).toBeNull();
    expect(e.queue).toBe(q);
    expect(e.state).toBe('ready');
    expect(e.approvals.approved).toBe(1);
  });

  it("orders by the queue entry's age while queued and the time in review before", () => {
    // Equal otherwise: older first. Task 1 entered review first, but task 2 entered the queue first.
    const out = buildMergeQueue(
      rows({
        tasks: [task(1, { updatedAt: at(1) }), task(2, { updatedAt: at(50) })],
        evidence: [...approvedGreen(1), ...approvedGreen(2)],
        queue: [queueRow(1, { createdAt: at(30) }), queueRow(2, { createdAt: at(20) })],
      }),
      () => 1,
    );
    expect(out.map((e) => e.task.id)).toEqual([2, 1]);
    const before = buildMergeQueue(rows({ tasks: [task(2, { updatedAt: at(50) }), task(1, { updatedAt: at(1) })], evidence: [...approvedGreen(1), ...approvedGreen(2)] }), () => 1);
    expect(before.map((e) => e.task.id)).toEqual([1, 2]);
  });

  it('puts entries the runner is already merging first, then the engine order', () => {
    const out = buildMergeQueue(
      rows({
        tasks: [task(1, { criticalPathHours: 90 }), task(2, { criticalPathHours: 1 }), task(3, { criticalPathHours: 50 })],
        evidence: [...approvedGreen(1), ...approvedGreen(2), ...approvedGreen(3)],
        queue: [queueRow(2, { state: 'waiting_checks' }), queueRow(3, { state: 'queued' })],
      }),
      () => 1,
    );
    expect(out.map((e) => [e.task.id, e.position])).toEqual([
      [2, 1],
      [1, 2],
      [3, 3],
    ]);
  });

  it('does not put a finished or queued entry at the head', () => {
    const out = buildMergeQueue(
      rows({
        tasks: [task(1, { criticalPathHours: 90 }), task(2, { criticalPathHours: 1 })],
        evidence: [...approvedGreen(1), ...approvedGreen(2)],
        queue: [queueRow(2, { state: 'merged' })],
      }),
      () => 1,
    );
    expect(out.map((e) => e.task.id)).toEqual([1, 2]);
    const queued = buildMergeQueue(rows({ tasks: [task(1, { criticalPathHours: 90 }), task(2, { criticalPathHours: 1 })], evidence: [...approvedGreen(1), ...approvedGreen(2)], queue: [queueRow(2)] }), () => 1);
    expect(queued.map((e) => e.task.id)).toEqual([1, 2]);
  });
});

describe('buildMergeQueue: prerequisites', () => {
  const dep = (taskId: number, key: string, o: Partial<MergePrerequisiteRow> = {}): MergePrerequisiteRow => ({
    taskId,
    key,
    kind: 'task',
    done: false,
    prNumber: null,
    status: 'in_review',
    ...o,
  });

  it('waits for unfinished tasks and epic thresholds, and lists them', () => {
    const e = one({
      tasks: [task(1)],
      evidence: approvedGreen(1),
      prerequisites: [
        dep(1, '1.7', { prNumber: 57 }),
        dep(1, '1.8', { done: true }),
        dep(1, '2', { kind: 'epic', percent: 40, threshold: 50 }),
        dep(1, '3', { kind: 'epic', done: true, percent: 100, threshold: 100 }),
        dep(1, '1.9'),
      ],
    });
    expect(e.dependsOn).toEqual(['1.7', 'epic:2@50', '1.9']);
    expect(e.state).toBe('waiting');
    expect(e.waits).toEqual([
      { reason: 'dependency', detail: "waiting for 1.7's PR #57" },
      { reason: 'epic', detail: 'waiting for epic 2 to reach 50% (now 40%)' },
      { reason: 'dependency', detail: "waiting for 1.9's PR (none yet)" },
    ]);
  });

  it('reads a missing epic percent as 0% and a missing threshold as 100%', () => {
    const e = one({ tasks: [task(1)], evidence: approvedGreen(1), prerequisites: [dep(1, '4', { kind: 'epic' })] });
    expect(e.dependsOn).toEqual(['epic:4@100']);
    expect(e.waitingFor).toBe('waiting for epic 4 to reach 100% (now 0%)');
  });

  it('keeps prerequisites to their own task', () => {
    const out = buildMergeQueue(rows({ tasks: [task(1), task(2)], evidence: [...approvedGreen(1), ...approvedGreen(2)], prerequisites: [dep(2, '1.7')] }), () => 1);
    const byId = new Map(out.map((e) => [e.task.id, e]));
    expect(byId.get(1)).toMatchObject({ state: 'ready', dependsOn: [] });
    expect(byId.get(2)).toMatchObject({ state: 'waiting', dependsOn: ['1.7'] });
  });

  it("merges a queued prerequisite first, matching keys within the task's own project", () => {
    // Project 1: 1.2 depends on 1.1, and 1.2 is first by the engine's order. Project 2 has its own
    // 1.1, first of all by the engine's order, which must not stand in for project 1's.
    const out = buildMergeQueue(
      rows({
        tasks: [
          task(1, { key: '1.1', criticalPathHours: 1 }),
          task(2, { key: '1.2', criticalPathHours: 80 }),
          task(3, { key: '1.1', projectId: 2, project: 'acme/api', criticalPathHours: 99 }),
        ],
        evidence: [...approvedGreen(1), ...approvedGreen(2), ...approvedGreen(3)],
        prerequisites: [dep(2, '1.1', { prNumber: 101 })],
      }),
      () => 1,
    );
    expect(out.map((e) => [e.task.projectId, e.task.key])).toEqual([
      [2, '1.1'],
      [1, '1.1'],
      [1, '1.2'],
    ]);
    expect(out[2]!.waitingFor).toBe("waiting for 1.1's PR #101");
  });

  it('names the tasks of a dependency cycle by their own keys', () => {
    const out = buildMergeQueue(
      rows({
        tasks: [task(1), task(2)],
        evidence: [...approvedGreen(1), ...approvedGreen(2)],
        prerequisites: [dep(1, '1.2'), dep(2, '1.1')],
      }),
      () => 1,
    );
    expect(out.map((e) => e.waitingFor)).toEqual([
      "waiting for 1.2's PR (none yet); dependency cycle with 1.2",
      "waiting for 1.1's PR (none yet); dependency cycle with 1.1",
    ]);
  });

  it('keeps an epic threshold apart from a task whose key is the same', () => {
    // Epic "1.2" and task "1.2" share a key; the epic is not a queued entry, so task 1 is not
    // held behind task 2 for it.
    const out = buildMergeQueue(
      rows({
        tasks: [task(1, { criticalPathHours: 90 }), task(2, { criticalPathHours: 1 })],
        evidence: [...approvedGreen(1), ...approvedGreen(2)],
        prerequisites: [dep(1, '1.2', { kind: 'epic', percent: 10, threshold: 20 })],
      }),
      () => 1,
    );
    expect(out.map((e) => e.task.id)).toEqual([1, 2]);
    expect(out[0]!.waitingFor).toBe('waiting for epic 1.2 to reach 20% (now 10%)');
  });
});

describe('buildMergeQueue: a task without a PR', () => {
  it('waits for one, first of its waits, even when nothing else holds it', () => {
    const e = one({ tasks: [task(1, { prNumber: null })], evidence: [review(1, { reviewer: 'ann', state: 'approved' })] });
    expect(e.state).toBe('waiting');
    expect(e.waits).toEqual([{ reason: 'pull_request', detail: 'no pull request is linked to the task yet' }]);
    expect(e.waitingFor).toBe('no pull request is linked to the task yet');
  });

  it('lists its other waits after it, and stays blocked when a person must act', () => {
    const e = one({ tasks: [task(1, { prNumber: null })], evidence: [review(1, { reviewer: 'ann', state: 'changes_requested' })] });
    expect(e.state).toBe('blocked');
    expect(e.waitingFor).toBe('no pull request is linked to the task yet; changes requested by 1 reviewer; waiting for 1 more approval (0 of 1)');
  });
});

describe('buildMergeQueue: overlapping PRs in GitHub’s own queue (native mode)', () => {
  const native = (taskId: number, state: string) => queueRow(taskId, { mode: 'native', state });

  const scene = (o: { mine?: Partial<MergeTaskRow>; other?: Partial<MergeTaskRow>; myQueue?: MergeQueueRow; otherQueue?: MergeQueueRow }) => {
    const out = buildMergeQueue(
      rows({
        tasks: [task(1, { footprint: ['src/api/**'], ...o.mine }), task(2, { footprint: ['src/api/users.ts'], ...o.other })],
        evidence: [...approvedGreen(1), ...approvedGreen(2)],
        queue: [o.myQueue ?? native(1, 'queued'), o.otherQueue ?? native(2, 'merging')],
      }),
      () => 1,
    );
    return out.find((e) => e.task.id === 1)!;
  };

  it('waits while a PR changing the same files is being merged by GitHub', () => {
    const e = scene({});
    expect(e.state).toBe('waiting');
    expect(e.waits).toEqual([{ reason: 'overlap', detail: 'waiting for #102 to merge first: they change the same files' }]);
  });

  it('does not wait when the files differ, the other PR is not merging yet, or in another project', () => {
    expect(scene({ other: { footprint: ['docs/**'] } }).state).toBe('ready');
    expect(scene({ other: { footprint: [] } }).state).toBe('ready');
    expect(scene({ other: { footprint: undefined } }).state).toBe('ready');
    // A PR with no recorded footprint touches nothing known, even against one that touches all.
    expect(scene({ mine: { footprint: ['**'] }, other: { footprint: undefined } }).state).toBe('ready');
    expect(scene({ mine: { footprint: ['**'] } }).state).toBe('waiting');
    expect(scene({ otherQueue: native(2, 'queued') }).state).toBe('ready');
    expect(scene({ otherQueue: queueRow(2, { mode: 'app', state: 'merging' }) }).state).toBe('ready');
    expect(scene({ other: { projectId: 2 } }).state).toBe('ready');
  });

  it('does not wait in app mode, past queued, or without a footprint of its own', () => {
    expect(scene({ myQueue: queueRow(1, { mode: 'app' }) }).state).toBe('ready');
    expect(scene({ myQueue: native(1, 'updating') }).waits).toEqual([]);
    expect(scene({ mine: { footprint: [] } }).state).toBe('ready');
    expect(scene({ mine: { footprint: undefined } }).state).toBe('ready');
  });
});
