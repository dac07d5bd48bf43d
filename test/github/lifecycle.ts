import nock from 'nock';
import { Webhooks } from '@octokit/webhooks';
import type { Db } from '../../app/store/db.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';
import type { Plan } from '../../schema/plan.js';
import { API, INSTALLATION, OWNER, REPO, example, makeApp, type TestApp } from './helpers.js';
import { fakeRepo, type FakeIssue } from '../support/fakeRepo.js';

/**
 * A full task lifecycle against a stateful fake of GitHub's API (nock), with every webhook sent
 * through the signed delivery path: plan pushed → issues synced → dispatched → run starts → PR
 * opened → checks green → merged → issue closed → dependents dispatched, until the plan is done.
 * Counts every REST and GraphQL call by route. Used by the lifecycle test and `npm run bench:api`.
 */

export interface LifecycleResult {
  calls: Map<string, number>;
  rest: number;
  graphql: number;
  tasks: number;
  dispatchOrder: string[];
  statuses: Record<string, string>;
  scopes: nock.Scope[];
  /** Sub-issue and blocked-by links made through the batched GraphQL mutations. */
  relations: { subIssues: number; blockedBy: number };
}

const SECRET = 'test-secret';

export async function runLifecycle(db: Db, plan: Plan, opts: { capacity?: number } = {}): Promise<LifecycleResult> {
  const app: TestApp = await makeApp(db, { config: { pools: [{ name: 'default', capacity: opts.capacity ?? 2 }] } });
  const calls = new Map<string, number>();
  const count = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const issues = new Map<number, FakeIssue>();
  const dispatches: { task: string; issue: number; epoch: number; runId: number }[] = [];
  const relations = { subIssues: 0, blockedBy: 0 };
  let nextRun = 1000;
  const repoPath = `/repos/${OWNER}/${REPO}`;
  const signer = new Webhooks({ secret: SECRET });
  const processor = new DeliveryProcessor({ db, probot: app.probot, pollMs: 0 });
  const route = webhookRoute({ db, secret: SECRET });
  let seq = 0;
  const deliver = async (name: string, payload: Record<string, unknown>) => {
    payload.installation = { id: INSTALLATION };
    const raw = JSON.stringify(payload);
    const res = await route(Buffer.from(raw), {
      'x-github-delivery': `lc-${++seq}`,
      'x-github-event': name,
      'x-hub-signature-256': await signer.sign(raw),
    });
    if (res.status !== 202) throw new Error(`delivery refused: ${res.status}`);
    await processor.drain();
    const { rows } = await db.query<{ error: string | null }>('SELECT error FROM webhook_deliveries WHERE delivery_id = $1', [`lc-${seq}`]);
    if (rows[0]?.error) throw new Error(`delivery ${name} failed: ${rows[0].error}`);
  };
  const repository = () => (example('issues', 'opened') as { repository: unknown }).repository;

  // The plan sync's routes (plan file, issues, labels, the batched GraphQL relations), counted here.
  const repoFake = fakeRepo(OWNER, REPO, {
    files: { '.github/fleet-plan.md': JSON.stringify(plan) },
    issues,
    onRequest: (name, body) => {
      count(name);
      if (name !== 'POST /graphql') return;
      const q = String((body as { query?: string }).query ?? '');
      relations.subIssues += (q.match(/addSubIssue\(/g) ?? []).length;
      relations.blockedBy += (q.match(/addBlockedBy\(/g) ?? []).length;
    },
  });
  const scopes = [
    ...repoFake.scopes,
    nock(API)
      .persist()
      .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`)
      .reply((_uri, body) => {
        count('POST /repos/{o}/{r}/actions/workflows/{wf}/dispatches');
        const b = body as { inputs: { task: string; issue: string; epoch: string } };
        const runId = nextRun++;
        dispatches.push({ task: b.inputs.task, issue: Number(b.inputs.issue), epoch: Number(b.inputs.epoch), runId });
        return [200, { workflow_run_id: runId, run_url: `${API}${repoPath}/actions/runs/${runId}`, html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}` }];
      }),
    // The files a task's PR changes join its footprint (issue 14); these PRs list none.
    nock(API)
      .persist()
      .get(/\/repos\/Codertocat\/Hello-World\/pulls\/\d+\/files/)
      .query(true)
      .reply(() => {
        count('GET /repos/{o}/{r}/pulls/{n}/files');
        return [200, []];
      }),
  ];

  // 1. the plan file is pushed to the default branch
  const push = example<Record<string, unknown>>('push', undefined, 0);
  Object.assign(push, {
    ref: 'refs/heads/main',
    after: 'c'.repeat(40),
    deleted: false,
    commits: [{ id: 'c'.repeat(40), message: 'plan', added: ['.github/fleet-plan.md'], modified: [] }],
    head_commit: { id: 'c'.repeat(40), message: 'plan', added: ['.github/fleet-plan.md'], modified: [] },
  });
  await deliver('push', push);
  // GitHub tells the app about the issues it created (opened + labeled): no API calls.
  for (const iss of issues.values()) {
    const p = example<Record<string, unknown>>('issues', 'opened');
    p.issue = { ...(p.issue as object), number: iss.number, node_id: `I_${iss.number}`, title: iss.title, body: iss.body, labels: iss.labels.map((name) => ({ name })), state: 'open' };
    p.sender = { login: 'fleet[bot]', type: 'Bot' };
    await deliver('issues', p);
  }

  // 2. every dispatched run: starts, opens a PR, checks pass, PR merged, issue closed
  let handled = 0;
  let prNumber = 500;
  const dispatchOrder: string[] = [];
  while (handled < dispatches.length) {
    const d = dispatches[handled++]!;
    dispatchOrder.push(d.task);
    const branch = `fleet/${d.task}-work`;
    const run = example<{ workflow_run: Record<string, unknown> }>('workflow_run', 'completed', 0);
    run.workflow_run = { ...run.workflow_run, id: d.runId, status: 'in_progress', conclusion: null, display_title: `fleet task=${d.task} epoch=${d.epoch}` };
    await deliver('workflow_run', { ...run, action: 'in_progress' });
    const pr = example<{ pull_request: Record<string, unknown> }>('pull_request', 'opened');
    const n = prNumber++;
    pr.pull_request = { ...pr.pull_request, number: n, draft: false, body: `Closes #${d.issue}`, head: { ...(pr.pull_request.head as object), ref: branch, sha: 'd'.repeat(40) } };
    await deliver('pull_request', pr);
    const check = example<{ check_run: Record<string, unknown> }>('check_run', 'completed');
    check.check_run = { ...check.check_run, conclusion: 'success', pull_requests: [{ number: n, head: { ref: branch, sha: 'd'.repeat(40) } }] };
    await deliver('check_run', check);
    const suite = example<{ check_suite: Record<string, unknown> }>('check_suite', 'completed');
    suite.check_suite = { ...suite.check_suite, conclusion: 'success', head_branch: branch, pull_requests: [{ number: n }] };
    await deliver('check_suite', suite);
    await deliver('workflow_run', { ...run, action: 'completed', workflow_run: { ...run.workflow_run, status: 'completed', conclusion: 'success' } });
    await deliver('pull_request', { ...pr, action: 'closed', pull_request: { ...pr.pull_request, state: 'closed', merged: true, merged_at: '2024-01-01T00:00:00Z', merge_commit_sha: 'e'.repeat(40) } });
    const closed = example<Record<string, unknown>>('issues', 'opened');
    const iss = issues.get(d.issue)!;
    iss.state = 'closed';
    closed.issue = { ...(closed.issue as object), number: d.issue, title: iss.title, body: iss.body, labels: iss.labels.map((name) => ({ name })), state: 'closed', state_reason: 'completed' };
    await deliver('issues', { ...closed, action: 'closed', repository: repository() });
  }

  const { rows } = await db.query<{ key: string; status: string }>('SELECT key, status FROM tasks ORDER BY key');
  const statuses = Object.fromEntries(rows.map((r) => [r.key, r.status]));
  let rest = 0;
  let graphql = 0;
  for (const [k, v] of calls) {
    if (k.includes('access_tokens')) continue;
    if (k.startsWith('POST /graphql')) graphql += v;
    else rest += v;
  }
  await processor.stop();
  return { calls, rest, graphql, tasks: plan.tasks.length, dispatchOrder, statuses, scopes, relations };
}
