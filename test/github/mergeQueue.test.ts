import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { API, INSTALLATION, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from './helpers.js';
import { orderMergeQueue, type MergeQueueInput } from '../../app/core/mergeOrder.js';
import { checksOf } from '../../app/github/mergeQueue/prState.js';
import { createMergeQueue } from '../../app/github/mergeQueue/hooks.js';
import { MergeQueueStore } from '../../app/github/mergeQueue/store.js';
import type { FleetConfigInput } from '../../schema/fleetConfig.js';

// ---------------------------------------------------------------- pure: order and checks

const entry = (key: string, o: Partial<MergeQueueInput> = {}): MergeQueueInput => ({
  key,
  prNumber: null,
  dependsOn: [],
  criticalPathHours: 0,
  priority: 2,
  since: '2024-01-01T00:00:00Z',
  approvals: { approved: 1, required: 1 },
  checks: 'success',
  ...o,
});

describe('orderMergeQueue (pure)', () => {
  it("follows the engine's order: critical path desc, then priority, then age, then key", () => {
    const out = orderMergeQueue([
      entry('a', { criticalPathHours: 2, priority: 0 }),
      entry('b', { criticalPathHours: 8, priority: 3 }),
      entry('c', { criticalPathHours: 2, priority: 0, since: '2023-12-31T00:00:00Z' }),
      entry('d', { criticalPathHours: 2, priority: 1 }),
    ]);
    expect(out.map((e) => [e.key, e.position, e.state, e.waitingFor])).toEqual([
      ['b', 1, 'ready', null],
      ['c', 2, 'ready', null],
      ['a', 3, 'ready', null],
      ['d', 4, 'ready', null],
    ]);
  });

  it("never puts a dependent before its dependency's PR, and says what it waits for", () => {
    const out = orderMergeQueue([
      entry('1.3', { criticalPathHours: 20, prNumber: 13, dependsOn: [{ key: '1.2', done: false, prNumber: 12 }] }),
      entry('1.2', { criticalPathHours: 10, prNumber: 12, dependsOn: [{ key: '1.1', done: true, prNumber: 11 }] }),
      entry('2.1', { criticalPathHours: 15, prNumber: 21 }),
    ]);
    expect(out.map((e) => e.key)).toEqual(['2.1', '1.2', '1.3']);
    expect(out[2]).toMatchObject({ state: 'waiting', waitingFor: "waiting for 1.2's PR #12" });
    expect(out[1]).toMatchObject({ state: 'ready', waitingFor: null });
    // a prerequisite outside the queue with no PR yet
    const [x] = orderMergeQueue([entry('x', { dependsOn: [{ key: '0.9', done: false }] })]);
    expect(x!.waits).toEqual(["waiting for 0.9's PR (none yet)"]);
  });

  it('eligibility: approvals as required, changes requested and failed checks block, pending waits', () => {
    const out = orderMergeQueue([
      entry('a', { approvals: { approved: 1, required: 2 } }),
      entry('b', { checks: 'pending', checkNames: ['build'] }),
      entry('c', { checks: 'failure', checkNames: ['test'] }),
      entry('d', { approvals: { approved: 2, required: 1, changesRequested: 1 } }),
      entry('e', { checks: 'none', approvals: { approved: 0, required: 0 } }),
    ]);
    const by = Object.fromEntries(out.map((e) => [e.key, [e.state, e.waitingFor]]));
    expect(by).toEqual({
      a: ['waiting', 'waiting for 1 more approval (1 of 2)'],
      b: ['waiting', 'waiting for checks: build'],
      c: ['blocked', 'checks failed: test'],
      d: ['blocked', 'changes requested by 1 reviewer'],
      e: ['ready', null],
    });
  });

  it('a dependency cycle keeps engine order and waits; input is left untouched', () => {
    const input = [
      entry('a', { criticalPathHours: 1, dependsOn: [{ key: 'b', done: false }] }),
      entry('b', { criticalPathHours: 2, dependsOn: [{ key: 'a', done: false }] }),
      entry('c'),
    ];
    const copy = structuredClone(input);
    const out = orderMergeQueue(input);
    expect(out.map((e) => [e.key, e.state])).toEqual([
      ['c', 'ready'],
      ['b', 'waiting'],
      ['a', 'waiting'],
    ]);
    expect(out[1]!.waits).toContain('dependency cycle with a');
    expect(input).toEqual(copy);
  });
});

describe('checksOf (pure)', () => {
  const run = (name: string, conclusion: string | null, isRequired = false) => ({
    __typename: 'CheckRun',
    name,
    status: conclusion ? 'COMPLETED' : 'IN_PROGRESS',
    conclusion,
    isRequired,
  });
  it('counts required checks when any are required, else all; statuses too', () => {
    expect(checksOf([run('build', 'SUCCESS', true), run('lint', 'FAILURE')], []).checks).toBe('success');
    expect(checksOf([run('build', 'SUCCESS'), run('lint', 'FAILURE')], [])).toMatchObject({ checks: 'failure', names: ['lint'] });
    expect(checksOf([run('build', null)], [])).toMatchObject({ checks: 'pending', names: ['build'] });
    expect(checksOf([{ __typename: 'StatusContext', context: 'ci/legacy', state: 'PENDING' }], []).checks).toBe('pending');
    expect(checksOf([], []).checks).toBe('none');
    // an updated head must hear again from the checks its previous head had
    expect(checksOf([], ['build'])).toMatchObject({ checks: 'pending', names: ['build'] });
  });
});

// ---------------------------------------------------------------- Probot + nock

const db = useGitHubTestDb('gh_merge_queue', { keepAgents: true });

const repoPath = `/repos/${OWNER}/${REPO}`;
let seq = 0;
const send = (app: TestApp, name: string, payload: unknown) => app.probot.receive({ id: `mq-${++seq}`, name, payload } as never);
const sha = (c: string) => c.repeat(40);

async function setup(config: FleetConfigInput = {}) {
  const app = await makeApp(db().db, { config });
  app.deps.mergeQueue = createMergeQueue(db().db);
  const project = await app.deps.port.ensureProject({ owner: OWNER, repo: REPO, installationId: INSTALLATION, defaultBranch: 'main' });
  return { app, projectId: project.id };
}

async function addTask(projectId: number, key: string, pr: number, o: { cp?: number; status?: string; dependsOn?: number } = {}) {
  const { rows } = await db().db.query<{ id: number }>(
    `INSERT INTO tasks (project_id, key, title, status, critical_path_hours, pr_number, branch)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [projectId, key, `Task ${key}`, o.status ?? 'in_review', o.cp ?? 1, pr, `fleet/${key}-work`],
  );
  const id = Number(rows[0]!.id);
  if (o.dependsOn) await db().db.query('INSERT INTO dependencies (project_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)', [projectId, id, o.dependsOn]);
  return id;
}

const taskStatus = async (id: number) => (await db().db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [id])).rows[0]!.status;
const queueRow = async (pr: number) =>
  (
    await db().db.query<{ state: string; waiting_for: string | null; head_sha: string | null; position: number | null; reason: string | null; mode: string; merge_sha: string | null }>(
      'SELECT state, waiting_for, head_sha, position, reason, mode, merge_sha FROM merge_queue WHERE pr_number = $1 ORDER BY id DESC LIMIT 1',
      [pr],
    )
  ).rows[0];

interface PrOpts {
  head: string;
  approvals?: number;
  changesRequested?: boolean;
  checks?: { name: string; conclusion: string | null }[] | null;
  state?: 'OPEN' | 'CLOSED' | 'MERGED';
  inQueue?: number | null;
  mergeable?: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
}

function prNode(number: number, o: PrOpts) {
  const reviews = [
    ...Array.from({ length: o.approvals ?? 1 }, (_, i) => ({ state: 'APPROVED', author: { login: `reviewer${i}` } })),
    ...(o.changesRequested ? [{ state: 'CHANGES_REQUESTED', author: { login: 'grumpy' } }] : []),
  ];
  const checks = o.checks === undefined ? [{ name: 'build', conclusion: 'SUCCESS' }] : o.checks;
  return {
    id: `PR_node${number}`,
    number,
    state: o.state ?? 'OPEN',
    isDraft: false,
    merged: o.state === 'MERGED',
    mergeable: o.mergeable ?? 'MERGEABLE',
    url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
    headRefOid: o.head,
    baseRefName: 'main',
    mergeCommit: null,
    mergeQueueEntry: o.inQueue ? { position: o.inQueue, state: 'QUEUED' } : null,
    latestOpinionatedReviews: { nodes: reviews },
    commits: {
      nodes: [
        {
          commit: {
            oid: o.head,
            statusCheckRollup:
              checks === null
                ? null
                : {
                    state: 'SUCCESS',
                    contexts: {
                      nodes: checks.map((c) => ({
                        __typename: 'CheckRun',
                        name: c.name,
                        status: c.conclusion ? 'COMPLETED' : 'IN_PROGRESS',
                        conclusion: c.conclusion,
                        isRequired: false,
                      })),
                    },
                  },
          },
        },
      ],
    },
  };
}

/** Answers the merge queue's PR query for PR `number`. */
const prQuery = (scope: nock.Scope, number: number, o: PrOpts) =>
  scope
    .post('/graphql', (b: { query: string; variables: { number?: number } }) => b.query.includes('fleetMergeQueuePr') && b.variables.number === number)
    .reply(200, { data: { repository: { pullRequest: prNode(number, o) } } });

const compare = (scope: nock.Scope, head: string, behind: number) =>
  scope.get(`${repoPath}/compare/main...${head}`).query(true).reply(200, { status: behind ? 'diverged' : 'ahead', behind_by: behind, ahead_by: 1 });

function review(number: number, key: string, head: string, state = 'approved') {
  const p = example<{ review: Record<string, unknown>; pull_request: Record<string, unknown> & { head: Record<string, unknown>; base: Record<string, unknown> } }>(
    'pull_request_review',
    'submitted',
  );
  p.review.state = state;
  p.review.commit_id = head;
  p.pull_request.number = number;
  p.pull_request.body = '';
  p.pull_request.head.ref = `fleet/${key}-work`;
  p.pull_request.head.sha = head;
  p.pull_request.base.ref = 'main';
  return p;
}

function checkSuite(head: string, prs: number[], conclusion = 'success') {
  const p = example<{ check_suite: Record<string, unknown> }>('check_suite', 'completed');
  p.check_suite.head_sha = head;
  p.check_suite.conclusion = conclusion;
  p.check_suite.head_branch = 'unrelated-branch';
  p.check_suite.pull_requests = prs.map((n) => ({ number: n, head: { ref: 'x', sha: head }, base: { ref: 'main', sha: sha('0') } }));
  return p;
}

function prEvent(action: 'synchronize' | 'closed', number: number, key: string, head: string, extra: Record<string, unknown> = {}) {
  const p = example<{ pull_request: Record<string, unknown> & { head: Record<string, unknown>; base: Record<string, unknown> } }>('pull_request', action);
  p.pull_request.number = number;
  p.pull_request.body = '';
  p.pull_request.head.ref = `fleet/${key}-work`;
  p.pull_request.head.sha = head;
  p.pull_request.base.ref = 'main';
  Object.assign(p.pull_request, extra);
  return p;
}

function prComment(number: number, body: string) {
  const p = example<{ comment: Record<string, unknown>; issue: Record<string, unknown> }>('issue_comment', 'created');
  p.comment.body = body;
  p.comment.id = 9000 + ++seq;
  p.comment.user = { login: 'octocat', type: 'User' };
  p.issue.number = number;
  p.issue.pull_request = { url: `${API}${repoPath}/pulls/${number}` };
  return { payload: p, commentId: p.comment.id as number };
}

function mergeGroup(action: 'checks_requested' | 'destroyed', pr: number, reason?: string) {
  const p = example<Record<string, unknown> & { merge_group: Record<string, unknown> }>('merge_group', 'checks_requested');
  p.action = action;
  if (reason) p.reason = reason;
  p.merge_group.head_ref = `refs/heads/gh-readonly-queue/main/pr-${pr}-${sha('9')}`;
  p.merge_group.head_sha = sha('7');
  return p;
}

describe('merge queue (app mode)', () => {
  it('an approved, green PR enters by itself and is merged with the configured method and expected sha; the webhook after is idempotent', async () => {
    const { app, projectId } = await setup({ merge: { method: 'rebase' } });
    const task = await addTask(projectId, '1.1', 2);
    const head = sha('a');
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 2, { head });
    compare(gh, head, 0);
    gh.put(`${repoPath}/pulls/2/merge`, { merge_method: 'rebase', sha: head }).reply(200, { sha: sha('m'), merged: true, message: 'Pull Request successfully merged' });
    await send(app, 'pull_request_review', review(2, '1.1', head));
    gh.done();
    token.done();
    expect(await taskStatus(task)).toBe('done');
    expect(await queueRow(2)).toMatchObject({ state: 'merged', merge_sha: sha('m'), position: null });
    const ev = await db().db.query<{ source: string; ref: string; metadata: Record<string, unknown> }>(`SELECT source, ref, metadata FROM evidence WHERE type = 'merge'`);
    expect(ev.rows).toEqual([{ source: 'app', ref: sha('m'), metadata: expect.objectContaining({ kind: 'merge_queue', method: 'rebase', pr: 2, head_sha: head }) }]);

    // GitHub's pull_request.closed (merged) arrives afterwards: nothing more happens.
    await send(app, 'pull_request', prEvent('closed', 2, '1.1', head, { merged: true, merged_at: '2024-01-01T00:00:00Z', merge_commit_sha: sha('m'), state: 'closed' }));
    expect(await taskStatus(task)).toBe('done');
    expect(await queueRow(2)).toMatchObject({ state: 'merged' });
  });

  it("a dependent PR waits for its dependency's PR, then both merge in dependency order", async () => {
    const { app, projectId } = await setup();
    const dep = await addTask(projectId, '1.1', 10, { cp: 1 });
    const dependent = await addTask(projectId, '1.2', 11, { cp: 50, dependsOn: dep });
    const token = tokenScope();
    const merged: number[] = [];
    const gh = nock(API);
    prQuery(gh, 11, { head: sha('b') });
    await send(app, 'pull_request_review', review(11, '1.2', sha('b')));
    gh.done();
    expect(await queueRow(11)).toMatchObject({ state: 'queued', position: 1, waiting_for: "waiting for 1.1's PR #10" });
    expect(await taskStatus(dependent)).toBe('in_review');

    prQuery(gh, 10, { head: sha('a') });
    compare(gh, sha('a'), 0);
    gh.put(`${repoPath}/pulls/10/merge`).reply(200, () => (merged.push(10), { sha: sha('1'), merged: true }));
    prQuery(gh, 11, { head: sha('b') });
    compare(gh, sha('b'), 0);
    gh.put(`${repoPath}/pulls/11/merge`, { merge_method: 'squash', sha: sha('b') }).reply(200, () => (merged.push(11), { sha: sha('2'), merged: true }));
    await send(app, 'pull_request_review', review(10, '1.1', sha('a')));
    gh.done();
    token.done();
    expect(merged).toEqual([10, 11]);
    expect([await taskStatus(dep), await taskStatus(dependent)]).toEqual(['done', 'done']);
  });

  it('a branch behind its base is updated, waits for the checks of the new head, then merges that head', async () => {
    const { app, projectId } = await setup();
    const task = await addTask(projectId, '2.1', 20);
    const [h1, h2] = [sha('1'), sha('2')];
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 20, { head: h1 });
    compare(gh, h1, 3);
    gh.put(`${repoPath}/pulls/20/update-branch`, { expected_head_sha: h1 }).reply(202, { message: 'Updating pull request branch.', url: 'x' });
    await send(app, 'pull_request_review', review(20, '2.1', h1));
    gh.done();
    expect(await queueRow(20)).toMatchObject({ state: 'updating', waiting_for: 'updating the branch (3 commits behind main)' });

    // The update lands: the new head has no checks yet, but the old head had "build".
    prQuery(gh, 20, { head: h2, checks: null });
    gh.get(`${repoPath}/pulls/20/files`).query(true).reply(200, []); // the task's footprint (issue 14)
    await send(app, 'pull_request', prEvent('synchronize', 20, '2.1', h2));
    gh.done();
    expect(await queueRow(20)).toMatchObject({ state: 'waiting_checks', head_sha: h2, waiting_for: 'checks on 2222222: build' });

    // Checks of some other commit: no call at all.
    await send(app, 'check_suite', checkSuite(sha('f'), []));

    prQuery(gh, 20, { head: h2, checks: [{ name: 'build', conclusion: 'SUCCESS' }] });
    compare(gh, h2, 0);
    gh.put(`${repoPath}/pulls/20/merge`, { merge_method: 'squash', sha: h2 }).reply(200, { sha: sha('m'), merged: true });
    await send(app, 'check_suite', checkSuite(h2, [20]));
    gh.done();
    token.done();
    expect(await queueRow(20)).toMatchObject({ state: 'merged' });
    expect(await taskStatus(task)).toBe('done');
  });

  it('GitHub refusing the merge removes the PR with a comment; the task stays in review and the same commit does not re-enter', async () => {
    const { app, projectId } = await setup();
    const task = await addTask(projectId, '3.1', 30);
    const head = sha('c');
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 30, { head });
    compare(gh, head, 0);
    gh.put(`${repoPath}/pulls/30/merge`).reply(405, { message: 'Pull Request is not mergeable' });
    gh.post(`${repoPath}/issues/30/comments`, (b: { body: string }) => /removed this pull request: GitHub refused the merge \(405 Pull Request is not mergeable\)/.test(b.body) && /stays in review/.test(b.body)).reply(201, {});
    await send(app, 'pull_request_review', review(30, '3.1', head));
    gh.done();
    expect(await taskStatus(task)).toBe('in_review');
    expect(await queueRow(30)).toMatchObject({ state: 'failed', reason: 'GitHub refused the merge (405 Pull Request is not mergeable)' });

    // Another green check on the same commit: looked at, not queued again.
    prQuery(gh, 30, { head });
    await send(app, 'check_suite', checkSuite(head, [30]));
    gh.done();
    token.done();
    expect(await queueRow(30)).toMatchObject({ state: 'failed' });
  });

  it('failed checks or a merge conflict on update remove the PR with a comment saying why', async () => {
    const { app, projectId } = await setup();
    const a = await addTask(projectId, '4.1', 40);
    const b = await addTask(projectId, '4.2', 41);
    const token = tokenScope();
    const gh = nock(API);
    // 4.1 was approved but is waiting for its checks; then they fail.
    prQuery(gh, 40, { head: sha('4'), checks: [{ name: 'build', conclusion: null }] });
    gh.get(`${repoPath}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
    gh.post(/\/issues\/comments\/\d+\/reactions/).reply(201, {});
    gh.post(`${repoPath}/issues/40/comments`, (x: { body: string }) => /position 1 of 1; waiting for checks: build/.test(x.body)).reply(201, {});
    const c1 = prComment(40, '/fleet merge');
    await send(app, 'issue_comment', c1.payload);
    gh.done();
    prQuery(gh, 40, { head: sha('4'), checks: [{ name: 'build', conclusion: 'FAILURE' }] });
    gh.post(`${repoPath}/issues/40/comments`, (x: { body: string }) => /removed this pull request: checks failed: build/.test(x.body)).reply(201, {});
    // The feedback loop (#14) reads the failed suite's runs; none failed in detail here, so no round.
    gh.get(`${repoPath}/check-suites/118578147/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    await send(app, 'check_suite', checkSuite(sha('4'), [40], 'failure'));
    gh.done();
    expect(await queueRow(40)).toMatchObject({ state: 'failed' });

    // 4.2 is behind and GitHub cannot update its branch (conflict).
    prQuery(gh, 41, { head: sha('5') });
    compare(gh, sha('5'), 2);
    gh.put(`${repoPath}/pulls/41/update-branch`).reply(422, { message: 'merge conflict between base and head' });
    gh.post(`${repoPath}/issues/41/comments`, (x: { body: string }) => /could not be updated with `main` \(422 merge conflict between base and head\); resolve the conflict/.test(x.body)).reply(201, {});
    await send(app, 'pull_request_review', review(41, '4.2', sha('5')));
    gh.done();
    token.done();
    expect(await queueRow(41)).toMatchObject({ state: 'failed' });
    expect([await taskStatus(a), await taskStatus(b)]).toEqual(['in_review', 'in_review']);
  });

  it('overlapping PRs merge one at a time: after the first merges, the other is read again and, now conflicting, is not merged', async () => {
    const { app, projectId } = await setup();
    const first = await addTask(projectId, '6.1', 60, { cp: 10 });
    const second = await addTask(projectId, '6.2', 61, { cp: 5 });
    const third = await addTask(projectId, '6.3', 62, { cp: 1 });
    await db().db.query(`UPDATE tasks SET footprint = '{app/shared.ts}' WHERE id = ANY($1::bigint[])`, [[first, second]]);
    await db().db.query(`UPDATE tasks SET footprint = '{docs/other.md}' WHERE id = $1`, [third]);
    const [h0, h1, h2] = [sha('6'), sha('7'), sha('8')];
    const token = tokenScope();
    const gh = nock(API);
    // All three queued (as `/fleet merge` leaves them) while their checks run; none at the head yet.
    const store = new MergeQueueStore(db().db);
    for (const [taskId, pr, head] of [[first, 60, h0], [second, 61, h1], [third, 62, h2]] as const) {
      const snapshot = { headSha: head, prNodeId: `PR_node${pr}`, approvals: 1, changesRequested: 0, checks: 'pending' as const, checkNames: ['build'] };
      expect(await store.insert({ projectId, baseBranch: 'main', taskId, prNumber: pr, mode: 'app', enqueuedBy: 'octocat', snapshot })).not.toBeNull();
    }

    // One check suite turns all three green. The delivery reads each PR once, merges 6.1 (longest
    // path) and, 6.2 sharing app/shared.ts with it, reads 6.2 again before trying it: it conflicts
    // now, so it is removed with a comment and never merged. 6.3 touches other files: its earlier
    // read stands and it merges.
    const merged: number[] = [];
    prQuery(gh, 60, { head: h0 });
    prQuery(gh, 61, { head: h1 });
    prQuery(gh, 62, { head: h2 });
    compare(gh, h0, 0);
    gh.put(`${repoPath}/pulls/60/merge`).reply(200, () => (merged.push(60), { sha: sha('a'), merged: true }));
    prQuery(gh, 61, { head: h1, mergeable: 'CONFLICTING' });
    gh.post(`${repoPath}/issues/61/comments`, (x: { body: string }) => /removed this pull request: it conflicts with `main`/.test(x.body)).reply(201, {});
    compare(gh, h2, 0);
    gh.put(`${repoPath}/pulls/62/merge`).reply(200, () => (merged.push(62), { sha: sha('b'), merged: true }));
    await send(app, 'check_suite', checkSuite(sha('0'), [60, 61, 62]));
    gh.done();
    token.done();
    expect(merged).toEqual([60, 62]);
    expect(await queueRow(61)).toMatchObject({ state: 'failed' });
    expect([await taskStatus(first), await taskStatus(second), await taskStatus(third)]).toEqual(['done', 'in_review', 'done']);
  });

  /** 6.1 and 6.2 share a file, both queued and green; one check suite merges 6.1, then 6.2 is read again. */
  async function overlappingPair() {
    const { app, projectId } = await setup();
    app.deps.mergeabilityRetryMs = [5, 10, 20];
    const first = await addTask(projectId, '6.1', 60, { cp: 10 });
    const second = await addTask(projectId, '6.2', 61, { cp: 5 });
    await db().db.query(`UPDATE tasks SET footprint = '{app/shared.ts}' WHERE id = ANY($1::bigint[])`, [[first, second]]);
    const store = new MergeQueueStore(db().db);
    for (const [taskId, pr, head] of [[first, 60, sha('6')], [second, 61, sha('7')]] as const) {
      const snapshot = { headSha: head, prNodeId: `PR_node${pr}`, approvals: 1, changesRequested: 0, checks: 'pending' as const, checkNames: ['build'] };
      expect(await store.insert({ projectId, baseBranch: 'main', taskId, prNumber: pr, mode: 'app', enqueuedBy: 'octocat', snapshot })).not.toBeNull();
    }
    const token = tokenScope();
    const gh = nock(API);
    const merged: number[] = [];
    prQuery(gh, 60, { head: sha('6') });
    prQuery(gh, 61, { head: sha('7') });
    compare(gh, sha('6'), 0);
    gh.put(`${repoPath}/pulls/60/merge`).reply(200, () => (merged.push(60), { sha: sha('a'), merged: true }));
    return { app, gh, token, merged, first, second };
  }

  it('after an overlapping merge, "still computing" (UNKNOWN) is read again with backoff, not taken as mergeable: the conflict that follows removes the PR', async () => {
    const { app, gh, token, merged } = await overlappingPair();
    // The re-read after 6.1 merged: GitHub is computing twice, then says CONFLICTING.
    prQuery(gh, 61, { head: sha('7'), mergeable: 'UNKNOWN' });
    prQuery(gh, 61, { head: sha('7'), mergeable: 'UNKNOWN' });
    prQuery(gh, 61, { head: sha('7'), mergeable: 'CONFLICTING' });
    gh.post(`${repoPath}/issues/61/comments`, (x: { body: string }) => /removed this pull request: it conflicts with `main`/.test(x.body)).reply(201, {});
    await send(app, 'check_suite', checkSuite(sha('0'), [60, 61]));
    gh.done();
    token.done();
    expect(merged).toEqual([60]);
    expect(await queueRow(61)).toMatchObject({ state: 'failed' });
  });

  it('when GitHub is still computing after the last retry, the PR is neither merged nor failed: it waits for the next event', async () => {
    const { app, gh, token, merged } = await overlappingPair();
    // The first read after the merge and the three retries all say UNKNOWN.
    for (let i = 0; i < 4; i++) prQuery(gh, 61, { head: sha('7'), mergeable: 'UNKNOWN' });
    await send(app, 'check_suite', checkSuite(sha('0'), [60, 61]));
    gh.done();
    expect(merged).toEqual([60]);
    const row = await queueRow(61);
    expect(row).toMatchObject({ state: 'waiting_checks' });
    expect(row?.waiting_for).toMatch(/still computing whether 7777777 conflicts/);

    // The next event finds it computed and mergeable: it merges.
    prQuery(gh, 61, { head: sha('7') });
    compare(gh, sha('7'), 0);
    gh.put(`${repoPath}/pulls/61/merge`).reply(200, () => (merged.push(61), { sha: sha('b'), merged: true }));
    await send(app, 'check_suite', checkSuite(sha('7'), [61]));
    gh.done();
    token.done();
    expect(merged).toEqual([60, 61]);
  });

  it('/fleet merge queues a PR that still needs approval; /fleet dequeue takes it out and it stays out', async () => {
    const { app, projectId } = await setup();
    await addTask(projectId, '5.1', 50);
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 50, { head: sha('5'), approvals: 0 });
    gh.get(`${repoPath}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
    const c1 = prComment(50, '/fleet merge');
    gh.post(`${repoPath}/issues/comments/${c1.commentId}/reactions`, { content: '+1' }).reply(201, {});
    gh.post(`${repoPath}/issues/50/comments`, (x: { body: string }) =>
      x.body === "#50 is in the merge queue for `main` at position 1 of 1; waiting for 1 more approval (0 of 1).",
    ).reply(201, {});
    await send(app, 'issue_comment', c1.payload);
    gh.done();
    expect(await queueRow(50)).toMatchObject({ state: 'queued', mode: 'app' });

    const c2 = prComment(50, '/fleet dequeue');
    gh.post(`${repoPath}/issues/comments/${c2.commentId}/reactions`, { content: '+1' }).reply(201, {});
    gh.post(`${repoPath}/issues/50/comments`, (x: { body: string }) => /^Removed #50 from the merge queue for `main`; it stays out until `\/fleet merge`/.test(x.body)).reply(201, {});
    await send(app, 'issue_comment', c2.payload);
    gh.done();
    expect(await queueRow(50)).toMatchObject({ state: 'removed', reason: 'dequeued with /fleet dequeue' });

    // An approval afterwards does not put it back by itself.
    prQuery(gh, 50, { head: sha('5') });
    await send(app, 'pull_request_review', review(50, '5.1', sha('5')));
    gh.done();
    token.done();
    expect(await queueRow(50)).toMatchObject({ state: 'removed' });
  });
});

describe('merge queue comments go through the effects log (issue 10)', () => {
  const receive = (app: TestApp, id: string, name: string, payload: unknown) => app.probot.receive({ id, name, payload } as never);

  /** A PR whose merge GitHub refuses: the queue removes it and says so on the PR. */
  async function refusedMerge(key: string, pr: number) {
    const { app, projectId } = await setup();
    await addTask(projectId, key, pr);
    const head = sha(String(pr % 10));
    const gh = nock(API);
    prQuery(gh, pr, { head });
    compare(gh, head, 0);
    gh.put(`${repoPath}/pulls/${pr}/merge`).reply(405, { message: 'Pull Request is not mergeable' });
    return { app, gh, head, payload: review(pr, key, head) };
  }

  it('a removal comment GitHub took but whose answer was lost fails the delivery; its re-run finds the comment and does not post it again', async () => {
    const token = tokenScope().persist();
    const { app, gh, head, payload } = await refusedMerge('8.1', 80);
    let posts = 0;
    let text = '';
    gh.post(`${repoPath}/issues/80/comments`).reply((_uri, body) => {
      posts++;
      text = (body as { body: string }).body;
      // GitHub wrote the comment; the connection dropped before its answer arrived.
      return [502, { message: 'connection reset after write' }];
    });
    await expect(receive(app, 'mq-lost-comment', 'pull_request_review', payload)).rejects.toThrow();
    gh.done();
    expect(await queueRow(80)).toMatchObject({ state: 'failed', reason: 'GitHub refused the merge (405 Pull Request is not mergeable)' });
    expect(text).toMatch(/removed this pull request: GitHub refused the merge/);

    // The same delivery again: the entry has moved on, so the step that commented does not run;
    // the comment the first run began is looked for on the PR, found, and not posted again.
    prQuery(gh, 80, { head });
    gh.get(`${repoPath}/issues/80/comments`).query(true).reply(200, [{ id: 5001, body: text, user: { login: 'fleet[bot]', type: 'Bot' } }]);
    await receive(app, 'mq-lost-comment', 'pull_request_review', payload);
    gh.done();
    token.persist(false);
    nock.cleanAll();
    expect(posts).toBe(1);
  });

  it("a removal comment GitHub failed with 502 is written once by the delivery's retry, and a further run writes nothing", async () => {
    const token = tokenScope().persist();
    const { app, gh, head, payload } = await refusedMerge('8.2', 81);
    const bodies: string[] = [];
    gh.post(`${repoPath}/issues/81/comments`).reply(502, { message: 'Server Error' });
    await expect(receive(app, 'mq-failed-comment', 'pull_request_review', payload)).rejects.toThrow();
    gh.done();

    prQuery(gh, 81, { head });
    // The retry looks whether the failed attempt left its comment after all: it did not.
    gh.get(`${repoPath}/issues/81/comments`).query(true).reply(200, []);
    gh.post(`${repoPath}/issues/81/comments`).reply((_uri, body) => (bodies.push((body as { body: string }).body), [201, { id: 5002 }]));
    await receive(app, 'mq-failed-comment', 'pull_request_review', payload);
    gh.done();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatch(/removed this pull request: GitHub refused the merge \(405 Pull Request is not mergeable\)/);

    // Once more (the process died before marking the delivery processed): nothing is written.
    prQuery(gh, 81, { head });
    await receive(app, 'mq-failed-comment', 'pull_request_review', payload);
    gh.done();
    token.persist(false);
    nock.cleanAll();
    expect(bodies).toHaveLength(1);
  });
});

describe('merge queue (GitHub native merge queue)', () => {
  const enqueueCall = (scope: nock.Scope, number: number, head: string, position: number) =>
    scope
      .post('/graphql', (b: { query: string; variables: { id?: string; head?: string } }) =>
        b.query.includes('enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $head })') && b.variables.id === `PR_node${number}` && b.variables.head === head,
      )
      .reply(200, { data: { enqueuePullRequest: { mergeQueueEntry: { position, state: 'QUEUED' } } } });

  it('enqueues through GraphQL, records merge_group results as evidence, and finishes the task when the group merges', async () => {
    const { app, projectId } = await setup({ merge: { useNativeQueue: true } });
    const dep = await addTask(projectId, '6.1', 60);
    const dependent = await addTask(projectId, '6.2', 61, { dependsOn: dep });
    const token = tokenScope();
    const gh = nock(API);
    // the dependent is approved first: it waits, GitHub's queue is not asked
    prQuery(gh, 61, { head: sha('b') });
    await send(app, 'pull_request_review', review(61, '6.2', sha('b')));
    gh.done();
    expect(await queueRow(61)).toMatchObject({ state: 'queued', mode: 'native', waiting_for: "waiting for 6.1's PR #60" });

    prQuery(gh, 60, { head: sha('a') });
    enqueueCall(gh, 60, sha('a'), 1);
    await send(app, 'pull_request_review', review(60, '6.1', sha('a')));
    gh.done();
    expect(await queueRow(60)).toMatchObject({ state: 'merging', waiting_for: "in GitHub's merge queue for main at position 1" });

    await send(app, 'merge_group', mergeGroup('checks_requested', 60));
    expect((await queueRow(60))!.waiting_for).toMatch(/^merge group checks on 7777777/);

    // The group merges: 6.1 is done, and 6.2 may now enter GitHub's queue.
    prQuery(gh, 61, { head: sha('b') });
    enqueueCall(gh, 61, sha('b'), 1);
    await send(app, 'merge_group', mergeGroup('destroyed', 60, 'merged'));
    gh.done();
    token.done();
    expect(await queueRow(60)).toMatchObject({ state: 'merged' });
    expect(await taskStatus(dep)).toBe('done');
    expect(await queueRow(61)).toMatchObject({ state: 'merging' });
    const ev = await db().db.query<{ metadata: { kind: string; action: string; reason?: string } }>(`SELECT metadata FROM evidence WHERE type = 'merge' ORDER BY id`);
    expect(ev.rows.map((r) => [r.metadata.kind, r.metadata.action, r.metadata.reason ?? null])).toEqual([
      ['merge_group', 'checks_requested', null],
      ['merge_group', 'destroyed', 'merged'],
    ]);
    expect(await taskStatus(dependent)).toBe('in_review');
  });

  it("holds back a PR that overlaps one in GitHub's queue until that one merged, then enters it on a fresh read", async () => {
    const { app, projectId } = await setup({ merge: { useNativeQueue: true } });
    const a = await addTask(projectId, '9.1', 90, { cp: 10 });
    const b = await addTask(projectId, '9.2', 91, { cp: 5 });
    await db().db.query(`UPDATE tasks SET footprint = '{app/shared/**}' WHERE id = $1`, [a]);
    await db().db.query(`UPDATE tasks SET footprint = '{app/shared/x.ts}' WHERE id = $1`, [b]);
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 90, { head: sha('a') });
    enqueueCall(gh, 90, sha('a'), 1);
    await send(app, 'pull_request_review', review(90, '9.1', sha('a')));
    gh.done();
    expect(await queueRow(90)).toMatchObject({ state: 'merging' });

    // 9.2 is ready too, but it changes a file 9.1 changes: GitHub's queue is not asked.
    prQuery(gh, 91, { head: sha('b') });
    await send(app, 'pull_request_review', review(91, '9.2', sha('b')));
    gh.done();
    expect(await queueRow(91)).toMatchObject({ state: 'queued', waiting_for: 'waiting for #90 to merge first: they change the same files' });

    // 9.1's group merges: 9.2 is read again (after the merge) and enters.
    prQuery(gh, 91, { head: sha('b') });
    enqueueCall(gh, 91, sha('b'), 1);
    await send(app, 'merge_group', mergeGroup('destroyed', 90, 'merged'));
    gh.done();
    token.done();
    expect(await queueRow(91)).toMatchObject({ state: 'merging' });
    expect(await taskStatus(a)).toBe('done');
  });

  it('an invalidated merge group removes the PR with a comment', async () => {
    const { app, projectId } = await setup({ merge: { useNativeQueue: true } });
    const task = await addTask(projectId, '7.1', 70);
    const token = tokenScope();
    const gh = nock(API);
    prQuery(gh, 70, { head: sha('a') });
    enqueueCall(gh, 70, sha('a'), 3);
    await send(app, 'pull_request_review', review(70, '7.1', sha('a')));
    gh.post(`${repoPath}/issues/70/comments`, (x: { body: string }) => /invalidated its merge group/.test(x.body)).reply(201, {});
    await send(app, 'merge_group', mergeGroup('destroyed', 70, 'invalidated'));
    gh.done();
    token.done();
    expect(await queueRow(70)).toMatchObject({ state: 'failed' });
    expect(await taskStatus(task)).toBe('in_review');
  });

  it('/fleet merge enqueues with enqueuePullRequest and /fleet dequeue calls dequeuePullRequest', async () => {
    const { app, projectId } = await setup({ merge: { useNativeQueue: true } });
    await addTask(projectId, '8.1', 80);
    const token = tokenScope();
    const gh = nock(API);
    gh.get(`${repoPath}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
    prQuery(gh, 80, { head: sha('8') });
    enqueueCall(gh, 80, sha('8'), 2);
    const c1 = prComment(80, '/fleet merge');
    gh.post(`${repoPath}/issues/comments/${c1.commentId}/reactions`, { content: '+1' }).reply(201, {});
    gh.post(`${repoPath}/issues/80/comments`, (x: { body: string }) => x.body === "#80 is in GitHub's merge queue for main at position 2.").reply(201, {});
    await send(app, 'issue_comment', c1.payload);
    gh.done();

    prQuery(gh, 80, { head: sha('8'), inQueue: 2 });
    gh.post('/graphql', (b: { query: string; variables: { id?: string } }) => b.query.includes('dequeuePullRequest(input: { id: $id })') && b.variables.id === 'PR_node80').reply(200, {
      data: { dequeuePullRequest: { mergeQueueEntry: { position: 2, state: 'QUEUED' } } },
    });
    const c2 = prComment(80, '/fleet dequeue');
    gh.post(`${repoPath}/issues/comments/${c2.commentId}/reactions`, { content: '+1' }).reply(201, {});
    gh.post(`${repoPath}/issues/80/comments`, (x: { body: string }) => /^Removed #80 from GitHub's merge queue/.test(x.body)).reply(201, {});
    await send(app, 'issue_comment', c2.payload);
    gh.done();
    token.done();
    expect(await queueRow(80)).toMatchObject({ state: 'removed' });
  });
});
