import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { Webhooks } from '@octokit/webhooks';
import { startTestServer, type TestServer } from '../support/server.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';
import { API, INSTALLATION, OWNER, REPO, example, makeApp, type TestApp } from '../github/helpers.js';
import type { FleetConfigInput } from '../../schema/fleetConfig.js';
import { ClaimResponse, TaskFeedbackResponse } from '../../schema/apiResponses.js';
import { planOf } from '../support/plans.js';

/**
 * The feedback loop (#14) through signed webhooks and a stateful fake of GitHub's REST API (nock,
 * every request checked against @octokit/openapi by the global guard): failed required checks,
 * reviews, /fleet revise, conflicts after a sibling merge, and the end of the rounds.
 */

const SECRET = 'test-secret';
const REPO_PATH = `/repos/${OWNER}/${REPO}`;
const PR = 501;
const ISSUE = 42;
const BRANCH = 'fleet/1.1-schema';

let srv: TestServer;
let app: TestApp;
let processor: DeliveryProcessor;
let route: ReturnType<typeof webhookRoute>;
let seq = 0;
const signer = new Webhooks({ secret: SECRET });

/** What the fake GitHub saw. */
interface Seen {
  dispatches: Record<string, string>[];
  labels: { issue: number; labels: string[] }[];
  comments: { issue: number; body: string }[];
}
let seen: Seen;

async function deliver(name: string, payload: Record<string, unknown>): Promise<string> {
  payload.installation = { id: INSTALLATION };
  const raw = JSON.stringify(payload);
  const id = `fb-${++seq}-${Date.now()}`;
  const res = await route(Buffer.from(raw), { 'x-github-delivery': id, 'x-github-event': name, 'x-hub-signature-256': await signer.sign(raw) });
  expect(res.status).toBe(202);
  await processor.drain();
  const { rows } = await srv.o.db.query<{ error: string | null }>('SELECT error FROM webhook_deliveries WHERE delivery_id = $1', [id]);
  expect(rows[0]?.error ?? null).toBeNull();
  return id;
}

/** Same delivery id again (GitHub's redelivery or a replay): refused at receipt or processed as a no-op. */
async function redeliver(name: string, payload: Record<string, unknown>, id: string): Promise<void> {
  const raw = JSON.stringify(payload);
  await route(Buffer.from(raw), { 'x-github-delivery': id, 'x-github-event': name, 'x-hub-signature-256': await signer.sign(raw) });
  await processor.drain();
}

/** The fake GitHub; only the routes a test asks for, so an unused interceptor fails it. */
function github(routes: {
  dispatch?: boolean;
  /** Checks the branch protection of main requires ([]: main is not protected). */
  requiredChecks?: string[];
  /** Checks a ruleset on main requires (the rules endpoint); none when left out. */
  rulesetChecks?: string[];
  annotations?: Record<number, unknown[]>;
  roles?: Record<string, string>;
  reviewComments?: Record<number, unknown[]>;
  labels?: boolean;
  comments?: boolean;
  reactions?: boolean;
  openPulls?: { number: number; ref: string }[];
  mergeability?: Record<number, { mergeable: boolean | null; mergeable_state: string }[]>;
  /** Compare API answers by `base...head`: the merge base and the files changed on the head side. */
  compare?: Record<string, { mergeBase: string; files: { filename: string; previous_filename?: string }[] }>;
}): void {
  nock(API).persist().post(`/app/installations/${INSTALLATION}/access_tokens`).reply(201, { token: 'ghs_feedback', expires_at: '2999-01-01T00:00:00Z', permissions: {} });
  if (routes.dispatch) {
    nock(API)
      .persist()
      .post(`${REPO_PATH}/actions/workflows/fleet-agent.yml/dispatches`)
      .reply((_u, body) => {
        seen.dispatches.push((body as { inputs: Record<string, string> }).inputs);
        const runId = 9000 + seen.dispatches.length;
        return [200, { workflow_run_id: runId, run_url: `${API}${REPO_PATH}/actions/runs/${runId}`, html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}` }];
      });
  }
  if (routes.requiredChecks) {
    const contexts = routes.requiredChecks;
    nock(API)
      .persist()
      .get(`${REPO_PATH}/branches/main`)
      .reply(
        200,
        contexts.length
          ? {
              name: 'main',
              protected: true,
              commit: { sha: 'a'.repeat(40) },
              protection: { enabled: true, required_status_checks: { enforcement_level: 'everyone', contexts, checks: contexts.map((context) => ({ context, app_id: null })) } },
            }
          : { name: 'main', protected: false, commit: { sha: 'a'.repeat(40) } },
      );
    const ruleset = routes.rulesetChecks ?? [];
    nock(API)
      .persist()
      .get(`${REPO_PATH}/rules/branches/main`)
      .query(true)
      .reply(
        200,
        ruleset.length
          ? [
              { type: 'deletion', ruleset_source_type: 'Repository', ruleset_source: `${OWNER}/${REPO}`, ruleset_id: 11 },
              {
                type: 'required_status_checks',
                ruleset_source_type: 'Repository',
                ruleset_source: `${OWNER}/${REPO}`,
                ruleset_id: 11,
                parameters: { strict_required_status_checks_policy: false, required_status_checks: ruleset.map((context) => ({ context, integration_id: 15368 })) },
              },
            ]
          : [],
      );
  }
  for (const [id, list] of Object.entries(routes.annotations ?? {})) {
    nock(API).persist().get(`${REPO_PATH}/check-runs/${id}/annotations`).query(true).reply(200, list);
  }
  if (routes.roles) {
    const roles = routes.roles;
    nock(API)
      .persist()
      .get(/\/repos\/Codertocat\/Hello-World\/collaborators\/[^/]+\/permission$/)
      .reply((uri) => {
        const login = decodeURIComponent(/collaborators\/([^/]+)\/permission/.exec(uri)![1]!);
        const role = roles[login] ?? 'read';
        return [200, { permission: role === 'maintain' ? 'write' : role, role_name: role, user: { login } }];
      });
  }
  for (const [id, list] of Object.entries(routes.reviewComments ?? {})) {
    nock(API).persist().get(`${REPO_PATH}/pulls/${PR}/reviews/${id}/comments`).query(true).reply(200, list);
  }
  // A dispatch labels the task's issue with its pool.
  if (routes.labels || routes.dispatch) {
    nock(API)
      .persist()
      .post(/\/repos\/Codertocat\/Hello-World\/issues\/\d+\/labels$/)
      .reply((uri, body) => {
        seen.labels.push({ issue: Number(/issues\/(\d+)\/labels/.exec(uri)![1]), labels: (body as { labels: string[] }).labels });
        return [200, []];
      });
  }
  if (routes.comments) {
    nock(API)
      .persist()
      .post(/\/repos\/Codertocat\/Hello-World\/issues\/\d+\/comments$/)
      .reply((uri, body) => {
        seen.comments.push({ issue: Number(/issues\/(\d+)\/comments/.exec(uri)![1]), body: (body as { body: string }).body });
        return [201, { id: 7000 + seen.comments.length, body: (body as { body: string }).body }];
      });
  }
  if (routes.reactions) {
    nock(API).persist().post(/\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+\/reactions$/).reply(201, { id: 1, content: '+1' });
  }
  if (routes.openPulls) {
    const list = routes.openPulls;
    nock(API)
      .persist()
      .get(`${REPO_PATH}/pulls`)
      .query(true)
      .reply(200, list.map((p) => ({ number: p.number, state: 'open', head: { ref: p.ref, sha: 'b'.repeat(40) }, base: { ref: 'main', sha: 'c'.repeat(40) } })));
  }
  for (const [basehead, c] of Object.entries(routes.compare ?? {})) {
    nock(API)
      .persist()
      .get(`${REPO_PATH}/compare/${basehead}`)
      .query(true)
      .reply(200, {
        status: 'diverged',
        ahead_by: 1,
        behind_by: 1,
        total_commits: 1,
        merge_base_commit: { sha: c.mergeBase },
        base_commit: { sha: basehead.split('...')[0] },
        commits: [],
        files: c.files.map((f) => ({ sha: 'e'.repeat(40), status: f.previous_filename ? 'renamed' : 'modified', additions: 1, deletions: 1, changes: 2, ...f })),
      });
  }
  for (const [n, answers] of Object.entries(routes.mergeability ?? {})) {
    let i = 0;
    nock(API)
      .persist()
      .get(`${REPO_PATH}/pulls/${n}`)
      .reply(() => {
        const a = answers[Math.min(i++, answers.length - 1)]!;
        return [200, { number: Number(n), state: 'open', head: { ref: BRANCH, sha: 'b'.repeat(40) }, base: { ref: 'main', sha: 'c'.repeat(40) }, ...a }];
      });
  }
}

/** One task of one plan, dispatched once (epoch 1), with PR #501 open and in review. */
async function taskInReview(config: FleetConfigInput = {}): Promise<{ taskId: number; projectId: number }> {
  app = await makeApp(srv.o.db, { config: { pools: [{ name: 'default', capacity: 1 }], ...config } });
  app.deps.mergeabilityRetryMs = [5, 5, 5];
  processor = new DeliveryProcessor({ db: srv.o.db, probot: app.probot, pollMs: 0 });
  route = webhookRoute({ db: srv.o.db, secret: SECRET });
  const { port } = app.deps;
  const project = await port.ensureProject({ owner: OWNER, repo: REPO, installationId: INSTALLATION, defaultBranch: 'main' });
  const seeded = await app.deps.plan!.seed(project.id, planOf({ epics: [{ key: '1', title: 'Foundations', dependsOn: [] }], tasks: [{ key: '1.1', epic: '1', title: 'Schema', hours: 2, dependsOn: [] }] }));
  await port.refreshTasks(seeded.taskIds);
  const claim = await port.claimForPool({ name: 'default', capabilities: [], capacity: 1 }, project.id);
  expect(claim?.task.key).toBe('1.1');
  await port.linkIssue(claim!.task.id, ISSUE, null);
  await port.linkPullRequest(claim!.task.id, PR, BRANCH);
  expect('refused' in (await port.markInReview(claim!.task.id))).toBe(false);
  return { taskId: claim!.task.id, projectId: project.id };
}

function checkRun(id: number, name: string, conclusion: string): Record<string, unknown> {
  const p = example<{ check_run: Record<string, unknown> }>('check_run', 'completed');
  p.check_run = {
    ...p.check_run,
    id,
    name,
    status: 'completed',
    conclusion,
    html_url: `https://github.com/${OWNER}/${REPO}/runs/${id}`,
    output: { title: `${name} failed`, summary: '2 tests failed', text: null, annotations_count: 1, annotations_url: '' },
    pull_requests: [{ number: PR, id: 1, url: '', head: { ref: BRANCH, sha: 'b'.repeat(40), repo: null }, base: { ref: 'main', sha: 'c'.repeat(40), repo: null } }],
  };
  return p as unknown as Record<string, unknown>;
}

function review(id: number, login: string, state: string, body: string, type = 'User'): Record<string, unknown> {
  const p = example<{ review: Record<string, unknown>; pull_request: Record<string, unknown> }>('pull_request_review', 'submitted');
  p.review = { ...p.review, id, state, body, html_url: `https://github.com/${OWNER}/${REPO}/pull/${PR}#pullrequestreview-${id}`, user: { ...(p.review.user as object), login, type } };
  p.pull_request = { ...p.pull_request, number: PR, body: '', head: { ...(p.pull_request.head as object), ref: BRANCH, sha: 'b'.repeat(40) } };
  (p as unknown as { sender: unknown }).sender = { ...(p.review.user as object) };
  return p as unknown as Record<string, unknown>;
}

async function taskRow(taskId: number) {
  const { rows } = await srv.o.db.query<{ status: string; round: number; round_mode: string | null; pr_state: string | null; lease_epoch: number; attempts: number }>(
    'SELECT status, round, round_mode, pr_state, lease_epoch, attempts FROM tasks WHERE id = $1',
    [taskId],
  );
  return rows[0]!;
}

beforeAll(async () => {
  srv = await startTestServer('feedback_loop');
});
afterAll(async () => {
  await srv?.close();
});
beforeEach(async () => {
  seen = { dispatches: [], labels: [], comments: [] };
  await srv.o.db.query('DELETE FROM projects');
  await srv.o.db.query('DELETE FROM agents');
  // Deliveries of an earlier test must not be retried into this one.
  await srv.o.db.query('DELETE FROM webhook_deliveries');
});
afterEach(async () => {
  await processor?.stop();
  nock.cleanAll();
});

describe('failed checks', () => {
  it('a failed required check sends the task back for a revise round at a new epoch, and the confirm carries the annotations', async () => {
    const { taskId } = await taskInReview();
    github({
      dispatch: true,
      requiredChecks: ['ci/test'],
      annotations: { 777: [{ path: 'src/a.ts', start_line: 3, end_line: 3, start_column: null, end_column: null, annotation_level: 'failure', title: 'TS2345', message: 'Argument of type string is not assignable', raw_details: null, blob_href: '' }] },
    });
    const payload = checkRun(777, 'ci/test', 'failure');
    const id = await deliver('check_run', payload);

    expect(seen.dispatches).toHaveLength(1);
    expect(seen.dispatches[0]).toMatchObject({ task: '1.1', epoch: '2', mode: 'revise', pool: 'default' });
    const row = await taskRow(taskId);
    expect(row).toMatchObject({ status: 'assigned', round: 1, round_mode: 'revise', pr_state: 'failing', lease_epoch: 2 });
    // The round is in the attempt history (a second assignment) but not in the failure count.
    expect(row.attempts).toBe(1);
    const { rows: hist } = await srv.o.db.query<{ n: number }>('SELECT count(*)::int AS n FROM assignments WHERE task_id = $1', [taskId]);
    expect(hist[0]!.n).toBe(2);

    // The job confirms the dispatched claim: the answer carries the feedback, the branch and the PR.
    const res = await srv.call('POST', '/api/assignments/claim', { task_key: '1.1', epoch: 2 });
    expect(res.status).toBe(200);
    const claim = ClaimResponse.parse(res.json);
    expect(claim.branch).toBe(BRANCH);
    expect(claim.pr_number).toBe(PR);
    expect(claim.task).toMatchObject({ round: 1, pr_state: 'failing' });
    expect(claim.feedback).toHaveLength(1);
    expect(claim.feedback[0]).toMatchObject({ kind: 'checks_failed', source: 'check_run:777', round: 1, url: `https://github.com/${OWNER}/${REPO}/runs/777` });
    expect(claim.feedback[0]!.text).toContain('ci/test');
    expect(claim.feedback[0]!.text).toContain('failure');
    expect(claim.feedback[0]!.files).toEqual([{ path: 'src/a.ts', line: 3, body: '[failure] TS2345: Argument of type string is not assignable' }]);

    // A replay of the same delivery adds nothing and dispatches nothing.
    await redeliver('check_run', payload, id);
    expect(seen.dispatches).toHaveLength(1);
    const all = TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json);
    expect(all.feedback).toHaveLength(1);
  });

  it('a failed check that the base branch does not require is evidence only', async () => {
    const { taskId } = await taskInReview();
    github({ requiredChecks: ['ci/test'] });
    await deliver('check_run', checkRun(778, 'lint/optional', 'failure'));
    expect(seen.dispatches).toHaveLength(0);
    expect(await taskRow(taskId)).toMatchObject({ status: 'in_review', round: 0 });
  });

  it('a repository whose checks are required by a ruleset only: a failing required check counts, another does not', async () => {
    const { taskId } = await taskInReview();
    github({ dispatch: true, requiredChecks: [], rulesetChecks: ['ci/test'], annotations: { 781: [] } });
    // Not required by the ruleset: with the ruleset unread, main would look as if it required nothing.
    await deliver('check_run', checkRun(780, 'lint/optional', 'failure'));
    expect(seen.dispatches).toHaveLength(0);
    expect(await taskRow(taskId)).toMatchObject({ status: 'in_review', round: 0 });
    await deliver('check_run', checkRun(781, 'ci/test', 'failure'));
    expect(seen.dispatches).toEqual([expect.objectContaining({ mode: 'revise', epoch: '2' })]);
    const fb = TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json).feedback;
    expect(fb).toEqual([expect.objectContaining({ kind: 'checks_failed', source: 'check_run:781' })]);
  });

  it('when neither protection nor a ruleset requires a check, every failing check counts', async () => {
    const { taskId } = await taskInReview();
    github({ dispatch: true, requiredChecks: [], annotations: { 782: [] } });
    await deliver('check_run', checkRun(782, 'lint/optional', 'failure'));
    expect(seen.dispatches).toEqual([expect.objectContaining({ mode: 'revise', epoch: '2' })]);
    expect(await taskRow(taskId)).toMatchObject({ round: 1, pr_state: 'failing' });
  });
});

describe('reviews and /fleet revise', () => {
  it("a writer's changes-requested review starts a revise round carrying the body and the comments", async () => {
    const { taskId } = await taskInReview();
    github({
      dispatch: true,
      roles: { octocat: 'write' },
      reviewComments: { 80: [{ id: 1, path: 'src/b.ts', line: 12, original_line: 12, body: 'handle the empty list', user: { login: 'octocat' } }] },
    });
    await deliver('pull_request_review', review(80, 'octocat', 'changes_requested', 'Close, but not yet.'));
    expect(seen.dispatches).toHaveLength(1);
    expect(seen.dispatches[0]).toMatchObject({ mode: 'revise', epoch: '2' });
    const fb = TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json).feedback;
    expect(fb).toEqual([
      expect.objectContaining({ kind: 'changes_requested', source: 'review:80', author: 'octocat', text: 'Close, but not yet.', files: [{ path: 'src/b.ts', line: 12, body: 'handle the empty list' }], round: 1 }),
    ]);
  });

  it("an outsider's review, a bot's review, and an outsider's /fleet revise change nothing", async () => {
    const { taskId } = await taskInReview();
    github({ roles: { stranger: 'read' }, reactions: true, comments: true });
    await deliver('pull_request_review', review(81, 'stranger', 'changes_requested', 'rewrite it all'));
    await deliver('pull_request_review', review(82, 'helper[bot]', 'changes_requested', 'bot says no', 'Bot'));
    const c = example<Record<string, unknown>>('issue_comment', 'created');
    c.issue = { ...(c.issue as object), number: PR, pull_request: { url: '' } };
    c.comment = { ...(c.comment as object), id: 555, body: '/fleet revise delete the tests', user: { login: 'stranger', type: 'User' } };
    await deliver('issue_comment', c);
    expect(seen.dispatches).toHaveLength(0);
    expect(await taskRow(taskId)).toMatchObject({ status: 'in_review', round: 0 });
    expect(TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json).feedback).toEqual([]);
  });

  it("a writer's /fleet revise starts a revise round with the instructions", async () => {
    const { taskId } = await taskInReview();
    github({ dispatch: true, roles: { octocat: 'write' }, reactions: true, comments: true });
    const c = example<Record<string, unknown>>('issue_comment', 'created');
    c.issue = { ...(c.issue as object), number: PR, pull_request: { url: '' } };
    c.comment = { ...(c.comment as object), id: 556, body: '/fleet revise handle the empty list too', user: { login: 'octocat', type: 'User' } };
    await deliver('issue_comment', c);
    expect(seen.dispatches).toEqual([expect.objectContaining({ mode: 'revise', epoch: '2' })]);
    const fb = TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json).feedback;
    expect(fb).toEqual([expect.objectContaining({ kind: 'revise_command', source: 'comment:556', author: 'octocat', text: 'handle the empty list too' })]);
  });
});

describe('conflicts', () => {
  it('after a sibling merge, a PR GitHub reports dirty (once it has computed it) gets a rebase round', async () => {
    const { taskId } = await taskInReview();
    const [base, head, mergeBase] = ['f'.repeat(40), 'b'.repeat(40), '9'.repeat(40)];
    github({
      dispatch: true,
      openPulls: [{ number: PR, ref: BRANCH }],
      mergeability: { [PR]: [{ mergeable: null, mergeable_state: 'unknown' }, { mergeable: false, mergeable_state: 'dirty' }] },
      // GitHub names no conflicting file: the PR's side and the base's side since the merge base are compared.
      compare: {
        [`${base}...${head}`]: { mergeBase, files: [{ filename: 'src/a.ts' }, { filename: 'src/new.ts', previous_filename: 'src/old.ts' }, { filename: 'docs/task.md' }] },
        [`${mergeBase}...${base}`]: { mergeBase, files: [{ filename: 'src/old.ts' }, { filename: 'src/a.ts' }, { filename: 'README.md' }] },
      },
    });
    const push = example<Record<string, unknown>>('push', undefined, 0);
    Object.assign(push, { ref: 'refs/heads/main', after: 'f'.repeat(40), deleted: false, commits: [{ id: 'f'.repeat(40), message: 'sibling merged', added: [], modified: ['src/a.ts'] }], head_commit: { id: 'f'.repeat(40), message: 'sibling merged', added: [], modified: ['src/a.ts'] } });
    await deliver('push', push);
    expect(seen.dispatches).toEqual([expect.objectContaining({ task: '1.1', mode: 'rebase', epoch: '2' })]);
    expect(await taskRow(taskId)).toMatchObject({ round: 1, round_mode: 'rebase', pr_state: 'conflicting' });
    const fb = TaskFeedbackResponse.parse((await srv.call('GET', `/api/tasks/${taskId}/feedback`)).json).feedback;
    expect(fb).toEqual([expect.objectContaining({ kind: 'conflict', source: `conflict:${PR}:${'f'.repeat(40)}` })]);
    expect(fb[0]!.text).toContain('f'.repeat(40));
    expect(fb[0]!.text).toContain(`Files changed on both sides since the merge base ${mergeBase}`);
    expect(fb[0]!.files).toEqual([
      { path: 'src/a.ts', line: null, body: `changed on both sides since the merge base ${mergeBase}` },
      { path: 'src/old.ts', line: null, body: `changed on both sides since the merge base ${mergeBase}` },
    ]);
  });

  it('a PR that is only behind gets no round', async () => {
    const { taskId } = await taskInReview();
    github({ openPulls: [{ number: PR, ref: BRANCH }], mergeability: { [PR]: [{ mergeable: true, mergeable_state: 'behind' }] } });
    const push = example<Record<string, unknown>>('push', undefined, 0);
    Object.assign(push, { ref: 'refs/heads/main', after: 'e'.repeat(40), deleted: false, commits: [], head_commit: null });
    await deliver('push', push);
    expect(seen.dispatches).toHaveLength(0);
    expect(await taskRow(taskId)).toMatchObject({ status: 'in_review', round: 0 });
  });
});

describe('rounds', () => {
  it('after maxRounds the task stays in review with fleet:needs-human and one comment', async () => {
    const { taskId } = await taskInReview({ feedback: { maxRounds: 1 } });
    github({
      dispatch: true,
      requiredChecks: [],
      annotations: { 900: [], 901: [], 902: [] },
      labels: true,
      comments: true,
    });
    await deliver('check_run', checkRun(900, 'ci/test', 'failure'));
    expect(seen.dispatches).toHaveLength(1);
    // The round's agent pushes and the PR is in review again; the check fails again.
    await app.deps.port.markInReview(taskId);
    await deliver('check_run', checkRun(901, 'ci/test', 'timed_out'));
    await deliver('check_run', checkRun(902, 'ci/test', 'failure'));
    expect(seen.dispatches).toHaveLength(1);
    expect(await taskRow(taskId)).toMatchObject({ status: 'in_review', round: 1 });
    expect(seen.labels).toEqual(expect.arrayContaining([{ issue: PR, labels: ['fleet:needs-human'] }, { issue: ISSUE, labels: ['fleet:needs-human'] }]));
    expect(seen.comments).toHaveLength(1);
    expect(seen.comments[0]).toMatchObject({ issue: PR });
    expect(seen.comments[0]!.body).toContain('fleet:needs-human');
    expect(seen.comments[0]!.body).toContain('round 1');
  });
});
