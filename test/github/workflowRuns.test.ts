import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { parse } from 'yaml';
import { parseRunTitle } from '../../app/github/dispatch/runTitle.js';
import { API, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from './helpers.js';

/**
 * workflow_run / workflow_job events of the agent workflow are tied to their task by the run id
 * the dispatch returned or, when GitHub did not return one, by the run name and job name
 * `fleet task=<key> epoch=<n>` (runners/workflows/fleet-agent.yml).
 */

const db = useGitHubTestDb('gh_workflow_runs');

const repoPath = `/repos/${OWNER}/${REPO}`;
let seq = 0;
const send = (app: TestApp, name: string, payload: unknown) => app.probot.receive({ id: `wf-${++seq}`, name, payload } as never);

function taskIssue(number: number) {
  const p = example<{ issue: Record<string, unknown> }>('issues', 'opened');
  p.issue.number = number;
  p.issue.body = '';
  p.issue.title = `Task ${number}`;
  p.issue.labels = [{ name: 'fleet:task' }];
  return p;
}

/** A dispatch for which GitHub returns no run details (204): the run id is unknown. */
function dispatchWithoutRunId(key: string, issue: number, epoch: number): nock.Scope {
  return nock(API)
    .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`, (b: { inputs: Record<string, string> }) => b.inputs.task === key && b.inputs.epoch === String(epoch))
    .reply(204)
    .post(`${repoPath}/issues/${issue}/labels`)
    .reply(200, []);
}

/** A fresh app with task i<n> dispatched at epoch 1 from its issue, GitHub returning no run id. */
async function dispatched(n: number): Promise<TestApp> {
  const app = await makeApp(db().db);
  const token = tokenScope();
  const d = dispatchWithoutRunId(`i${n}`, n, 1);
  await send(app, 'issues', taskIssue(n));
  d.done();
  token.done();
  return app;
}

function workflowRun(action: 'requested' | 'in_progress' | 'completed', id: number, title: string, conclusion: string | null = null) {
  const p = example<{ action: string; workflow_run: Record<string, unknown> }>('workflow_run', 'completed', 1);
  p.action = action;
  Object.assign(p.workflow_run, {
    id,
    name: 'fleet-agent',
    display_title: title,
    event: 'workflow_dispatch',
    head_branch: 'main',
    pull_requests: [],
    status: action === 'completed' ? 'completed' : action === 'requested' ? 'queued' : 'in_progress',
    conclusion,
  });
  return p;
}

function workflowJob(action: 'queued' | 'in_progress' | 'completed', runId: number, name: string, runner: string | null, conclusion: string | null = null) {
  const p = example<{ action: string; workflow_job: Record<string, unknown> }>('workflow_job', 'in_progress', 0);
  p.action = action;
  Object.assign(p.workflow_job, { run_id: runId, name, runner_name: runner, status: action, conclusion, head_branch: 'main' });
  return p;
}

async function task(key: string) {
  const r = (await db().db.query<{ id: number; status: string; lease_epoch: number; attempts: number }>('SELECT id, status, lease_epoch, attempts FROM tasks WHERE key = $1', [key])).rows[0]!;
  return { id: Number(r.id), status: r.status, epoch: Number(r.lease_epoch), attempts: r.attempts };
}
async function assignments(key: string) {
  return (
    await db().db.query<{ epoch: number; status: string; workflow_run_id: number | null; runner_name: string | null }>(
      'SELECT a.epoch, a.status, a.workflow_run_id, a.runner_name FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.key = $1 ORDER BY a.epoch',
      [key],
    )
  ).rows.map((r) => ({ ...r, epoch: Number(r.epoch), workflow_run_id: r.workflow_run_id === null ? null : Number(r.workflow_run_id) }));
}
const runEvidence = async (key: string) =>
  (
    await db().db.query<{ metadata: Record<string, unknown> }>(
      `SELECT e.metadata FROM evidence e JOIN tasks t ON t.id = e.task_id WHERE t.key = $1 AND e.type = 'workflow_run' ORDER BY e.id`,
      [key],
    )
  ).rows.map((r) => r.metadata);

describe('agent runs matched by name before their run id is known', () => {
  it('workflow_run by its run name: ties the run id, moves the task, and a failed run releases it for another dispatch', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope();
    const d1 = dispatchWithoutRunId('i8', 8, 1);
    await send(app, 'issues', taskIssue(8));
    d1.done();
    expect(await assignments('i8')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: null, runner_name: null }]);

    await send(app, 'workflow_run', workflowRun('requested', 950, 'fleet task=i8 epoch=1'));
    expect(await assignments('i8')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: 950, runner_name: null }]);
    await send(app, 'workflow_run', workflowRun('in_progress', 950, 'fleet task=i8 epoch=1'));
    expect((await task('i8')).status).toBe('in_progress');

    const d2 = dispatchWithoutRunId('i8', 8, 2);
    await send(app, 'workflow_run', workflowRun('completed', 950, 'fleet task=i8 epoch=1', 'failure'));
    d2.done();
    token.done();
    expect(await task('i8')).toMatchObject({ status: 'assigned', epoch: 2, attempts: 2 });
    expect(await assignments('i8')).toEqual([
      { epoch: 1, status: 'failed', workflow_run_id: 950, runner_name: null },
      { epoch: 2, status: 'active', workflow_run_id: null, runner_name: null },
    ]);
    expect((await runEvidence('i8')).map((m) => [m.action, m.run_id, m.agent_run])).toEqual([
      ['requested', 950, true],
      ['in_progress', 950, true],
      ['completed', 950, true],
    ]);

    // The old run's late event (known by its id now) changes nothing on the new epoch.
    await send(app, 'workflow_run', workflowRun('completed', 950, 'fleet task=i8 epoch=1', 'cancelled'));
    expect(await task('i8')).toMatchObject({ status: 'assigned', epoch: 2 });
  });

  it('workflow_job by its job name, arriving first: ties the run and the runner, and marks the task in progress', async () => {
    const app = await dispatched(9);
    await send(app, 'workflow_job', workflowJob('queued', 960, 'fleet task=i9 epoch=1', null));
    expect(await assignments('i9')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: 960, runner_name: null }]);
    expect((await task('i9')).status).toBe('assigned');
    await send(app, 'workflow_job', workflowJob('in_progress', 960, 'fleet task=i9 epoch=1', 'vm-runner-3'));
    expect(await assignments('i9')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: 960, runner_name: 'vm-runner-3' }]);
    expect((await task('i9')).status).toBe('in_progress');
    // the run's own events now find the task by id whatever their title says
    await send(app, 'workflow_run', workflowRun('in_progress', 960, 'renamed by hand'));
    expect((await runEvidence('i9')).map((m) => [m.kind, m.action, m.run_id, m.agent_run ?? null])).toEqual([
      ['workflow_job', 'queued', 960, null],
      ['workflow_job', 'in_progress', 960, null],
      ['workflow_run', 'in_progress', 960, true],
    ]);
  });

  it('a run named for a stale epoch, or a second run under a taken name, is recorded but moves nothing', async () => {
    const app = await dispatched(10);
    await send(app, 'workflow_run', workflowRun('requested', 970, 'fleet task=i10 epoch=1'));

    // epoch 0 is not the lease the app handed out
    await send(app, 'workflow_job', workflowJob('completed', 971, 'fleet task=i10 epoch=0', 'rogue', 'failure'));
    // same name as the real run, but the assignment already carries run 970
    await send(app, 'workflow_run', workflowRun('completed', 972, 'fleet task=i10 epoch=1', 'failure'));
    await send(app, 'workflow_job', workflowJob('completed', 972, 'fleet task=i10 epoch=1', 'copycat', 'cancelled'));

    expect(await task('i10')).toMatchObject({ status: 'assigned', epoch: 1, attempts: 1 });
    expect(await assignments('i10')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: 970, runner_name: null }]);
    expect((await runEvidence('i10')).map((m) => m.run_id)).toEqual([970, 971, 972, 972]);
  });

  it('a run that claims for itself (`fleet task= epoch=`) or an unrelated CI run is not an agent run', async () => {
    const app = await dispatched(11);
    await send(app, 'workflow_run', workflowRun('completed', 980, 'fleet task= epoch=', 'failure'));
    await send(app, 'workflow_job', workflowJob('completed', 980, 'fleet task= epoch=', 'r1', 'failure'));
    await send(app, 'workflow_run', workflowRun('completed', 981, 'CI', 'failure'));
    expect(await task('i11')).toMatchObject({ status: 'assigned', epoch: 1 });
    expect(await assignments('i11')).toEqual([{ epoch: 1, status: 'active', workflow_run_id: null, runner_name: null }]);
    expect(await runEvidence('i11')).toEqual([]);
  });
});

describe('the dispatch and the workflow agree', () => {
  const wf = parse(readFileSync(resolve(import.meta.dirname, '../../runners/workflows/fleet-agent.yml'), 'utf8')) as {
    'run-name': string;
    on: { workflow_dispatch: { inputs: Record<string, unknown> } };
  };
  const declared = Object.keys(wf.on.workflow_dispatch.inputs);

  it("sends only inputs fleet-agent.yml declares, with the pool's name and runner labels, and the run name carries task and epoch", async () => {
    const app = await makeApp(db().db, { config: { pools: [{ name: 'gpu', runsOn: ['self-hosted', 'linux', 'gpu'], capacity: 1 }] } });
    const token = tokenScope();
    let sent: Record<string, string> | undefined;
    const d = nock(API)
      .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`, (b: { inputs: Record<string, string> }) => {
        sent = b.inputs;
        return true;
      })
      .reply(204)
      .post(`${repoPath}/issues/12/labels`, { labels: ['fleet:pool/gpu'] })
      .reply(200, []);
    await send(app, 'issues', taskIssue(12));
    d.done();
    token.done();
    expect(sent).toBeDefined();
    for (const k of Object.keys(sent!)) expect(declared, `input ${k}`).toContain(k);
    expect(sent).toEqual({
      task: 'i12',
      issue: '12',
      epoch: '1',
      'orchestrator-url': 'https://fleet.example.test',
      pool: 'gpu',
      'runs-on': JSON.stringify(['self-hosted', 'linux', 'gpu']),
      mode: 'new',
    });
    // what GitHub will call the run, from those inputs, leads back to the task and its lease
    const runName = wf['run-name'].replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, k: string) => sent![k] ?? '');
    expect(parseRunTitle(runName)).toEqual({ key: 'i12', epoch: 1 });
  });
});
