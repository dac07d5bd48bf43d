import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { API, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from './helpers.js';
import { fleetOctokitClass } from '../../app/github/ingest/probot.js';

const db = useGitHubTestDb('gh_app');

const repoPath = `/repos/${OWNER}/${REPO}`;
let seq = 0;
const send = (app: TestApp, name: string, payload: unknown) => app.probot.receive({ id: `test-${++seq}`, name, payload } as never);

async function taskRow(key: string) {
  const { rows } = await db().db.query<{ id: number; status: string; held: boolean; priority: number; required_pool: string | null; attempts: number; lease_epoch: number; pr_number: number | null; estimated_hours: number }>(
    'SELECT id, status, held, priority, required_pool, attempts, lease_epoch, pr_number, estimated_hours FROM tasks WHERE key = $1',
    [key],
  );
  return rows[0]!;
}
const evidence = async (type: string) =>
  (await db().db.query<{ ref: string | null; metadata: Record<string, unknown> }>('SELECT ref, metadata FROM evidence WHERE type = $1 ORDER BY id', [type])).rows;

function handIssue(number: number, body: string, extra: Record<string, unknown> = {}) {
  const p = example<{ issue: Record<string, unknown>; sender: Record<string, unknown> }>('issues', 'opened');
  p.issue.number = number;
  p.issue.body = body;
  p.issue.title = `Hand task ${number}`;
  p.issue.labels = [{ name: 'fleet:task' }];
  Object.assign(p, extra);
  return p;
}

function expectDispatch(api: string, key: string, issue: number, epoch: number, runId: number | null) {
  return nock(api)
    .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`, (b: { ref: string; inputs: Record<string, string>; return_run_details?: boolean }) =>
      b.ref === 'main' && b.inputs.task === key && b.inputs.issue === String(issue) && b.inputs.epoch === String(epoch) && b.inputs['orchestrator-url'] === 'https://fleet.example.test' && b.inputs.pool === 'default' && b.inputs['runs-on'] === '["self-hosted"]' && b.return_run_details === true,
    )
    .reply(runId === null ? 204 : 200, runId === null ? undefined : { workflow_run_id: runId, run_url: `${api}${repoPath}/actions/runs/${runId}`, html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}` })
    .post(`${repoPath}/issues/${issue}/labels`, { labels: ['fleet:pool/default'] })
    .reply(200, []);
}

describe('issues become tasks and are dispatched to pools', () => {
  it('a hand-written fleet:task issue becomes a task, is dispatched with its epoch, and labelled with the pool', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const d = expectDispatch(API, 'i7', 7, 1, 4242);
    await send(app, 'issues', handIssue(7, 'Do the thing\n\nEstimate: 3h'));
    token.done();
    d.done();
    const task = await taskRow('i7');
    expect(task).toMatchObject({ status: 'assigned', estimated_hours: 3, lease_epoch: 1 });
    const { rows } = await db().db.query<{ workflow_run_id: number; pool: string }>('SELECT workflow_run_id, pool FROM assignments WHERE task_id = $1', [task.id]);
    expect(rows).toEqual([{ workflow_run_id: 4242, pool: 'default' }]);
    expect((await evidence('dispatch'))[0]!.metadata).toMatchObject({ pool: 'default', epoch: 1, workflow_run_id: 4242 });
  });

  it('reads Depends on lines: a dependent waits, and says which references are not tasks', async () => {
    const app = await makeApp(db().db, { config: { pools: [{ name: 'default', capacity: 2 }] } });
    const token = tokenScope();
    const d1 = expectDispatch(API, 'i1', 1, 1, null);
    await send(app, 'issues', handIssue(1, 'first'));
    const c = nock(API)
      .post(`${repoPath}/issues/2/comments`, (b: { body: string }) => /#99, which is not a fleet task/.test(b.body))
      .reply(201, {});
    await send(app, 'issues', handIssue(2, 'Depends on: #1, #99'));
    token.done();
    d1.done();
    c.done();
    expect((await taskRow('i2')).status).toBe('pending');
    const ready = await db().db.query<{ ready: boolean }>(`SELECT ready FROM task_readiness WHERE key = 'i2'`);
    expect(ready.rows[0]!.ready).toBe(false);
  });

  it('labels steer: pool routing, priority and hold; the app ignores its own labels', async () => {
    const app = await makeApp(db().db, { config: { pools: [{ name: 'default', capacity: 0 + 1 }, { name: 'gpu', capacity: 1 }] } });
    // hold first so nothing is dispatched when the task appears
    const held = handIssue(3, 'x');
    (held.issue as { labels: unknown[] }).labels = [{ name: 'fleet:task' }, { name: 'fleet:hold' }];
    const token = tokenScope();
    await send(app, 'issues', { ...held, action: 'labeled', label: { name: 'fleet:hold' } });
    expect(await taskRow('i3')).toMatchObject({ held: true, status: 'pending' });
    await send(app, 'issues', { ...held, action: 'labeled', label: { name: 'fleet:priority/p0' } });
    await send(app, 'issues', { ...held, action: 'labeled', label: { name: 'fleet:pool/gpu' } });
    await send(app, 'issues', { ...held, action: 'labeled', label: { name: 'fleet:pool/nope' }, sender: { login: 'bot[bot]', type: 'Bot' } });
    expect(await taskRow('i3')).toMatchObject({ held: true, priority: 0, required_pool: 'gpu' });
    const c = nock(API).post(`${repoPath}/issues/3/comments`, (b: { body: string }) => /no pool `nope`/.test(b.body)).reply(201, {});
    await send(app, 'issues', { ...held, action: 'labeled', label: { name: 'fleet:pool/nope' } });
    c.done();
    const d = nock(API)
      .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`, (b: { inputs: { task: string } }) => b.inputs.task === 'i3')
      .reply(204)
      .post(`${repoPath}/issues/3/labels`, { labels: ['fleet:pool/gpu'] })
      .reply(200, []);
    await send(app, 'issues', { ...held, action: 'unlabeled', label: { name: 'fleet:hold' } });
    d.done();
    token.done();
    expect(await taskRow('i3')).toMatchObject({ held: false, status: 'assigned' });
  });

  it('closing an issue marks the task done, or cancelled when not planned', async () => {
    const app = await makeApp(db().db, { config: { pools: [{ name: 'default', capacity: 1 }] } });
    const token = tokenScope();
    const d = expectDispatch(API, 'i5', 5, 1, null);
    await send(app, 'issues', handIssue(5, ''));
    d.done();
    const hold = handIssue(6, '');
    (hold.issue as { labels: unknown[] }).labels = [{ name: 'fleet:task' }, { name: 'fleet:hold' }];
    await send(app, 'issues', { ...hold, action: 'labeled', label: { name: 'fleet:hold' } });
    const closed = handIssue(5, '');
    (closed.issue as Record<string, unknown>).state = 'closed';
    (closed.issue as Record<string, unknown>).state_reason = 'completed';
    await send(app, 'issues', { ...closed, action: 'closed' });
    expect((await taskRow('i5')).status).toBe('done');
    const np = { ...hold, action: 'closed', issue: { ...(hold.issue as object), state: 'closed', state_reason: 'not_planned' } };
    await send(app, 'issues', np);
    expect((await taskRow('i6')).status).toBe('cancelled');
    token.done();
  });
});

describe('runs, pull requests and checks become evidence', () => {
  it('workflow job ties the runner; a failed run releases the task, which is dispatched again', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const d1 = expectDispatch(API, 'i8', 8, 1, 900);
    await send(app, 'issues', handIssue(8, ''));
    d1.done();
    const job = example<{ workflow_job: Record<string, unknown> }>('workflow_job', 'in_progress', 1);
    job.workflow_job.run_id = 900;
    job.workflow_job.runner_name = 'runner-gpu-1';
    await send(app, 'workflow_job', job);
    expect((await taskRow('i8')).status).toBe('in_progress');
    const run = example<{ workflow_run: Record<string, unknown> }>('workflow_run', 'completed', 0);
    run.workflow_run.id = 900;
    run.workflow_run.conclusion = 'failure';
    const d2 = expectDispatch(API, 'i8', 8, 2, 901);
    await send(app, 'workflow_run', run);
    d2.done();
    token.done();
    const task = await taskRow('i8');
    expect(task).toMatchObject({ status: 'assigned', lease_epoch: 2, attempts: 2 });
    const { rows } = await db().db.query<{ status: string; runner_name: string | null; workflow_run_id: number }>(
      'SELECT status, runner_name, workflow_run_id FROM assignments WHERE task_id = $1 ORDER BY epoch',
      [task.id],
    );
    expect(rows).toEqual([
      { status: 'failed', runner_name: 'runner-gpu-1', workflow_run_id: 900 },
      { status: 'active', runner_name: null, workflow_run_id: 901 },
    ]);
    // the old run's late events change nothing
    await send(app, 'workflow_run', run);
    expect((await taskRow('i8')).lease_epoch).toBe(2);
  });

  it('PR opened → in review; checks and reviews recorded; merged → done', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const d1 = expectDispatch(API, 'i1', 1, 1, null);
    await send(app, 'issues', handIssue(1, ''));
    d1.done();
    token.done();
    const opened = example<{ pull_request: Record<string, unknown> & { head: { ref: string } } }>('pull_request', 'opened');
    opened.pull_request.head.ref = 'fleet/i1-do-the-thing';
    opened.pull_request.body = 'Closes #1';
    const prNumber = opened.pull_request.number as number;
    // The PR's changed files join the task's footprint (issue 14); a rename counts both names.
    const file = (filename: string, status: string, extra: Record<string, unknown> = {}) => ({
      sha: 'c'.repeat(40), filename, status, additions: 1, deletions: 0, changes: 1,
      blob_url: `https://github.com/${OWNER}/${REPO}/blob/x/${filename}`, raw_url: `https://github.com/${OWNER}/${REPO}/raw/x/${filename}`,
      contents_url: `${API}${repoPath}/contents/${filename}`, ...extra,
    });
    const files = nock(API)
      .get(`${repoPath}/pulls/${prNumber}/files`)
      .query({ per_page: '100', page: '1' })
      .reply(200, [file('app/x.ts', 'modified'), file('app/new.ts', 'renamed', { previous_filename: 'app/old.ts' })]);
    await send(app, 'pull_request', opened);
    files.done();
    expect(await taskRow('i1')).toMatchObject({ status: 'in_review', pr_number: prNumber });
    const fp = await db().db.query<{ footprint: string[] }>(`SELECT footprint FROM tasks WHERE key = 'i1'`);
    expect(fp.rows[0]!.footprint).toEqual(['app/new.ts', 'app/old.ts', 'app/x.ts']);

    // The example's check failed, and the base branch requires another one: evidence, no feedback round (#14).
    const branch = nock(API)
      .get(`/repos/${OWNER}/${REPO}/branches/master`)
      .reply(200, { name: 'master', protected: true, protection: { enabled: true, required_status_checks: { contexts: ['required-ci'], checks: [{ context: 'required-ci', app_id: null }] } } })
      // Rulesets may require checks too; this repository has none.
      .get(`/repos/${OWNER}/${REPO}/rules/branches/master`)
      .query(true)
      .reply(200, []);
    const check = example<{ check_run: Record<string, unknown> & { pull_requests: { number: number }[] } }>('check_run', 'completed');
    check.check_run.pull_requests[0]!.number = prNumber;
    await send(app, 'check_run', check);
    branch.done();
    const suite = example<{ check_suite: Record<string, unknown> & { pull_requests: { number: number }[] } }>('check_suite', 'completed');
    suite.check_suite.pull_requests = [{ number: prNumber }];
    await send(app, 'check_suite', suite);
    const review = example<{ pull_request: Record<string, unknown> & { head: { ref: string } } }>('pull_request_review', 'submitted');
    review.pull_request.head.ref = 'fleet/i1-do-the-thing';
    await send(app, 'pull_request_review', review);
    const mg = example<{ merge_group: { head_ref: string } }>('merge_group', 'checks_requested');
    mg.merge_group.head_ref = `refs/heads/gh-readonly-queue/main/pr-${prNumber}-abc`;
    await send(app, 'merge_group', mg);
    const push = example<{ ref: string; after: string }>('push', undefined, 0);
    push.ref = 'refs/heads/fleet/i1-do-the-thing';
    push.after = 'a'.repeat(40);
    await send(app, 'push', push);

    const closed = { ...opened, action: 'closed', pull_request: { ...opened.pull_request, merged: true, merged_at: '2024-01-01T00:00:00Z', merge_commit_sha: 'b'.repeat(40), state: 'closed' } };
    await send(app, 'pull_request', closed);
    expect((await taskRow('i1')).status).toBe('done');
    const kinds = (await db().db.query<{ type: string }>('SELECT type FROM evidence ORDER BY id')).rows.map((r) => r.type);
    expect(kinds).toEqual(['dispatch', 'pr', 'check', 'check', 'review', 'merge', 'commit', 'merge']);
  });

  it('never crashes on odd payloads', async () => {
    const app = await makeApp(db().db);
    const odd: [string, unknown][] = [
      ['issues', { action: 'opened', repository: { name: REPO, owner: { login: OWNER } }, issue: { number: 'x' } }],
      ['issues', { action: 'closed' }],
      ['pull_request', { action: 'closed', repository: { name: REPO, owner: { login: OWNER } }, pull_request: null }],
      ['check_run', { action: 'completed', repository: { name: REPO, owner: { login: OWNER } }, check_run: { pull_requests: 'no' } }],
      ['workflow_run', { action: 'completed', repository: { name: REPO, owner: { login: OWNER } }, workflow_run: { display_title: 12 } }],
      ['issue_comment', { action: 'created', repository: { name: REPO, owner: { login: OWNER } }, issue: { number: 1 }, comment: { body: 42 } }],
      ['push', { repository: { name: REPO, owner: { login: OWNER } }, ref: 'refs/heads/main', after: '0'.repeat(40) }],
    ];
    for (const [name, payload] of odd) await expect(send(app, name, payload)).resolves.toBeUndefined();
  });
});

describe('slash commands', () => {
  function comment(issue: number, body: string, user = { login: 'octocat', type: 'User' }) {
    const p = example<{ comment: Record<string, unknown>; issue: Record<string, unknown> }>('issue_comment', 'created');
    p.comment.body = body;
    p.comment.id = 5000 + issue;
    p.comment.user = user;
    p.issue.number = issue;
    delete p.issue.pull_request;
    return p;
  }

  it('checks permission once (cached), runs each command, reacts, and explains errors', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const hold = handIssue(4, '');
    (hold.issue as { labels: unknown[] }).labels = [{ name: 'fleet:task' }, { name: 'fleet:hold' }];
    await send(app, 'issues', { ...hold, action: 'labeled', label: { name: 'fleet:hold' } });
    const gh = nock(API)
      .get(`${repoPath}/collaborators/octocat/permission`)
      .once()
      .reply(200, { permission: 'write', role_name: 'write' })
      .post(`${repoPath}/issues/comments/5004/reactions`, { content: 'confused' })
      .reply(201, {})
      .post(`${repoPath}/issues/4/comments`, (b: { body: string }) => /unknown command `frobnicate`; accepted: assign/.test(b.body) && !/priority/.test(b.body.split('frobnicate')[0]!.replace('some commands', '')))
      .reply(201, {})
      .post(`${repoPath}/issues/comments/5004/reactions`, { content: '+1' })
      .reply(201, {})
      .post(`${repoPath}/issues/4/comments`, (b: { body: string }) => /\*\*Task i4\*\*/.test(b.body) && /p0/.test(b.body) && /12h/.test(b.body))
      .reply(201, {});
    await send(app, 'issue_comment', comment(4, 'ok:\n/fleet priority p0\n/fleet frobnicate\n> /fleet cancel'));
    expect(await taskRow('i4')).toMatchObject({ priority: 0, status: 'pending' });
    await send(app, 'issue_comment', comment(4, '/fleet estimate 12h\n/fleet status'));
    gh.done();
    token.done();
    expect((await taskRow('i4')).estimated_hours).toBe(12);
  });

  it('refuses people without write access, and ignores bots', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const hold = handIssue(9, '');
    (hold.issue as { labels: unknown[] }).labels = [{ name: 'fleet:task' }, { name: 'fleet:hold' }];
    await send(app, 'issues', { ...hold, action: 'labeled', label: { name: 'fleet:hold' } });
    const gh = nock(API)
      .get(`${repoPath}/collaborators/reader/permission`)
      .reply(200, { permission: 'read', role_name: 'triage' })
      .post(`${repoPath}/issues/comments/5009/reactions`, { content: 'confused' })
      .reply(201, {})
      .post(`${repoPath}/issues/9/comments`, (b: { body: string }) => /need write access .* \(you have triage\)/.test(b.body))
      .reply(201, {});
    await send(app, 'issue_comment', comment(9, '/fleet cancel', { login: 'reader', type: 'User' }));
    await send(app, 'issue_comment', comment(9, '/fleet cancel', { login: 'dependabot[bot]', type: 'Bot' }));
    gh.done();
    token.done();
    expect((await taskRow('i9')).status).toBe('pending');
  });
});

describe('GitHub Enterprise and limits', () => {
  it('GHE_HOST / GHE_PROTOCOL point every call at the Enterprise API', async () => {
    const ghe = 'http://ghe.corp.test/api/v3';
    const app = await makeApp(db().db, { env: { GHE_HOST: 'ghe.corp.test', GHE_PROTOCOL: 'http' } });
    const token = tokenScope(ghe);
    const d = expectDispatch(ghe, 'i11', 11, 1, 77);
    await send(app, 'issues', handIssue(11, ''));
    token.done();
    d.done();
  });

  it('honours retry-after on a secondary rate limit', async () => {
    // The retry-after header, not a clock, is what is asserted: the throttle read 2 seconds from it
    // (scaled by retryAfterBaseValue in tests) and retried once, as its log says.
    const warnings: string[] = [];
    const log = { debug: () => undefined, info: () => undefined, warn: (m: string) => warnings.push(m), error: () => undefined };
    const Octokit = fleetOctokitClass({ retryAfterBaseValue: 20 });
    const gh = new Octokit({ auth: 'ghp_x', log });
    const scope = nock(API)
      .post(`${repoPath}/issues`)
      .reply(403, { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' }, { 'retry-after': '2' })
      .post(`${repoPath}/issues`)
      .reply(201, { number: 1 });
    const res = await gh.request('POST /repos/{owner}/{repo}/issues', { owner: OWNER, repo: REPO, title: 'x' });
    expect(res.status).toBe(201);
    expect(warnings).toEqual(["secondary rate limit on POST /repos/{owner}/{repo}/issues; retrying after 2s"]);
    scope.done();
  });
});

describe('repository settings from .github/fleet.yml', () => {
  it("applies the config's lease length and attempt limit to the repository's project", async () => {
    const app = await makeApp(db().db, { config: { leaseTtlSeconds: 1200, maxAttempts: 5 } });
    const { repoCtx } = await import('../../app/github/context.js');
    const payload = example('star', 'created');
    const ctx = await repoCtx({ id: 'settings-1', payload, octokit: {}, log: app.probot.log as never }, app.deps);
    expect(ctx?.config.leaseTtlSeconds).toBe(1200);
    const { rows } = await db().db.query<{ lease_ttl_seconds: number; max_attempts: number }>(
      'SELECT lease_ttl_seconds, max_attempts FROM projects WHERE owner = $1 AND repo = $2',
      [OWNER, REPO],
    );
    expect(rows[0]).toEqual({ lease_ttl_seconds: 1200, max_attempts: 5 });
  });

  it("applies the config's scheduling.conflicts to the repository's project (issue 14)", async () => {
    const mode = async () => (await db().db.query<{ conflict_mode: string | null }>('SELECT conflict_mode FROM projects WHERE owner = $1 AND repo = $2', [OWNER, REPO])).rows[0]!.conflict_mode;
    const { repoCtx } = await import('../../app/github/context.js');
    const forbid = await makeApp(db().db, { config: { scheduling: { conflicts: 'forbid' } } });
    await repoCtx({ id: 'settings-2', payload: example('star', 'created'), octokit: {}, log: forbid.probot.log as never }, forbid.deps);
    expect(await mode()).toBe('forbid');
    // Back to the default: stored as "not set".
    const plain = await makeApp(db().db);
    await repoCtx({ id: 'settings-3', payload: example('star', 'created'), octokit: {}, log: plain.probot.log as never }, plain.deps);
    expect(await mode()).toBeNull();
  });
});
