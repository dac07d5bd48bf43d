/**
 * The bundled Action, run as a runner runs it (node action/dist/index.js with INPUT_* variables,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a workspace whose origin is a bare repository),
 * against a real orchestrator server, with local stand-ins for GitHub's REST API and OIDC issuer.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type OidcVerifier } from '../../app/http/auth/oidc.js';
import { startOrchestrator, type Orchestrator } from '../../app/server.js';
import { orchestratorRoutes } from '../../app/routes.js';
import { insertProject } from '../support/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from './support/fakeGitHub.js';
import { actionInputs, fakeAgent, makeRepo, oidcEnv, processAlive, runAction, waitFor, type TempRepo } from './support/harness.js';
import { startFlakyProxy, type FlakyProxy } from './support/proxy.js';

const REPO = 'acme/widgets';
const POOLS = ['ok', 'fails', 'hangs', 'flaky', 'stale', 'nochange', 'best'] as const;

let orch: Orchestrator;
let gh: FakeGitHub;
let dataDir: string;
let audiences: string[] = [];
let verifier: OidcVerifier;
const cleanups: (() => Promise<unknown>)[] = [];

function setAudiences(list: string[]) {
  audiences = list;
  verifier = createOidcVerifier({
    issuer: gh.issuer,
    audience: audiences,
    allowedRepositories: [REPO],
    allowedWorkflows: ['.github/workflows/fleet-agent.yml'],
  });
}

beforeAll(async () => {
  gh = await startFakeGitHub({ repository: REPO });
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-orch-'));
  orch = await startOrchestrator({
    env: {
      DATABASE_URL: 'memory://',
      PORT: '0',
      HOST: '127.0.0.1',
      FLEET_DATA_DIR: dataDir,
      FLEET_ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
      LOG_LEVEL: 'silent',
    },
    log: pino({ level: 'silent' }),
    periodic: false,
    // The same route modules as `npm start` (progress, git evidence, dashboard).
    routes: await orchestratorRoutes({}),
    jobs: { verify: (t) => verifier.verify(t) },
    onEngine: async ({ db }) => {
      const { ids } = await insertProject(
        db,
        POOLS.map((pool, i) => ({ key: `1.${i + 1}`, pool, hours: 4 })),
        REPO,
      );
      let issue = 10;
      for (const [key, id] of ids) {
        await db.query(`UPDATE tasks SET title = $2, body = $3, deliverables = $4, issue_number = $5 WHERE id = $1`, [
          id,
          `Widget feature ${key}`,
          `Build the widget.\n\n## Acceptance criteria\n- [ ] widget.txt says hello\n`,
          JSON.stringify(['widget.txt']),
          issue++,
        ]);
      }
    },
  });
  setAudiences([orch.url]);
});

afterAll(async () => {
  await orch?.close();
  await gh?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
  // The stand-in GitHub checks every REST call against GitHub's API description.
  expect(gh.invalid.splice(0)).toEqual([]);
});

/** What the app does at dispatch: claim the pool's best task; the job then confirms it at this epoch. */
async function dispatch(pool: string) {
  const claim = await orch.engine.claimForPool({ name: pool });
  if (!claim) throw new Error(`nothing to dispatch for pool ${pool}`);
  return { key: claim.task.key, taskId: claim.task.id, epoch: claim.lease.epoch, assignmentId: claim.assignment.id };
}

async function repo(): Promise<TempRepo> {
  const r = await makeRepo();
  cleanups.push(() => r.cleanup());
  return r;
}

const inputs = (over: Record<string, string>) => actionInputs(orch.url, gh, over);

/** The log minus the `::add-mask::` commands (which the runner consumes to hide the value everywhere else). */
const unmasked = (log: string) =>
  log
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

async function evidenceRows(taskId: number) {
  const { rows } = await orch.db.query<{ type: string; url: string | null }>(`SELECT type, url FROM evidence WHERE task_id = $1 ORDER BY id`, [taskId]);
  return rows;
}

describe('the bundled action against a real orchestrator', () => {
  it('confirms the dispatched task, runs the agent, pushes, opens the PR and reports it in review', async () => {
    const r = await repo();
    const d = await dispatch('ok');
    const agent = await fakeAgent(
      r,
      'agent-ok',
      [
        'test -f "$FLEET_PROMPT_FILE"',
        'grep -q "widget.txt says hello" "$FLEET_PROMPT_FILE"',
        // The agent sees the task, never the tokens or the OIDC request credentials.
        `if env | grep -qE '^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_|GITHUB_OUTPUT=|GITHUB_ENV=)'; then echo leaked >&2; exit 9; fi`,
        'test "$FLEET_TASK_KEY" = "$FLEET_EXPECT_KEY"',
        'echo "hello from $FLEET_TASK_KEY" > widget.txt',
      ].join('\n'),
    );
    const run = await runAction({
      repo: r,
      inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': agent }),
      env: { ...oidcEnv(gh), FLEET_EXPECT_KEY: d.key },
    });

    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.result).toBe('success');
    expect(run.outputs.task).toBe(d.key);
    const branch = run.outputs.branch!;
    expect(branch).toMatch(new RegExp(`^fleet/${d.key.replace('.', '\\.')}-widget-feature-1-1$`));

    // Pushed to origin, exactly what the agent wrote.
    expect(r.remoteBranches()).toContain(branch);
    expect(r.remoteFile(branch, 'widget.txt')).toBe(`hello from ${d.key}\n`);

    // One PR, with "Closes #N" and the marker, against the default branch.
    expect(gh.pulls).toHaveLength(1);
    const pr = gh.pulls[0]!;
    expect(pr).toMatchObject({ head: branch, base: 'main', draft: false, state: 'open' });
    expect(pr.body).toContain('Closes #10');
    expect(pr.body).toContain(`<!-- fleet:task=${d.key} -->`);
    expect(run.outputs['pull-request']).toBe(pr.html_url);

    // The orchestrator knows: task in review with branch and PR, the assignment completed.
    const task = await orch.engine.getTask(d.taskId);
    expect(task.status).toBe('in_review');
    expect(task.branch).toBe(branch);
    expect(task.prNumber).toBe(pr.number);
    const a = await orch.engine.getAssignment(d.assignmentId);
    expect(a.status).toBe('completed');
    const ev = await evidenceRows(d.taskId);
    const warning = /::warning::could not record the evidence.*/.exec(run.stdout)?.[0] ?? '';
    expect(ev.filter((e) => e.url === pr.html_url), `POST /api/git/evidence should record the PR once. ${warning}`).toHaveLength(1);

    // Authenticated with OIDC, and the token never shows in the log.
    expect(gh.tokensIssued).toBeGreaterThan(0);
    expect(unmasked(run.stdout)).not.toContain(gh.githubToken);
    expect(run.summary).toContain(d.key);
    expect(run.summary).toContain(pr.html_url);
    expect(run.summary).toMatch(/Time taken/);
    expect(run.stdout).toMatch(/::group::Run the agent/);
  });

  it('reports failed when the agent fails, pushes nothing and opens no PR', async () => {
    const r = await repo();
    const d = await dispatch('fails');
    const pullsBefore = gh.pulls.length;
    const agent = await fakeAgent(r, 'agent-fails', 'echo "cannot do it" >&2\nexit 3');
    const run = await runAction({ repo: r, inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': agent }), env: oidcEnv(gh) });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.stdout).toMatch(/::error::.*exit code 3/);
    expect(r.remoteBranches()).toEqual(['main']);
    expect(gh.pulls.length).toBe(pullsBefore);
    const a = await orch.engine.getAssignment(d.assignmentId);
    expect(a.status).toBe('failed');
    const task = await orch.engine.getTask(d.taskId);
    expect(task.status).toBe('pending'); // back in the queue for another attempt
    expect(task.failureReason).toMatch(/exit code 3/);
  });

  it('reports failed when the agent changes nothing', async () => {
    const r = await repo();
    const d = await dispatch('nochange');
    const run = await runAction({ repo: r, inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': 'true' }), env: oidcEnv(gh) });
    expect(run.outputs.result).toBe('failed');
    expect(run.stdout).toMatch(/produced no change/);
    expect((await orch.engine.getAssignment(d.assignmentId)).status).toBe('failed');
  });

  it('kills an agent that hangs past the timeout, stops heartbeats and never reports done', async () => {
    const r = await repo();
    const d = await dispatch('hangs');
    const pidFile = join(r.dir, 'agent.pid');
    const agent = await fakeAgent(r, 'agent-hangs', `echo hi > widget.txt\nsleep 600 &\necho $! > ${JSON.stringify(pidFile)}\nwait`);
    const run = await runAction({
      repo: r,
      inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': agent, 'timeout-minutes': '0.05' }),
      env: oidcEnv(gh),
    });

    expect(run.code).toBe(1);
    expect(run.outputs.result).toBe('timeout');
    const pid = Number(await readFile(pidFile, 'utf8'));
    await waitFor(() => !processAlive(pid), 'the hung agent to be gone', 10_000);
    expect(r.remoteBranches()).toEqual(['main']);
    const task = await orch.engine.getTask(d.taskId);
    expect(['done', 'in_review']).not.toContain(task.status);
    expect((await orch.engine.getAssignment(d.assignmentId)).status).not.toBe('completed');
  });

  it('keeps going while the orchestrator is unreachable: heartbeats resume and nothing is recorded twice', async () => {
    const r = await repo();
    const d = await dispatch('flaky');
    const proxy: FlakyProxy = await startFlakyProxy(orch.url);
    cleanups.push(() => proxy.close());
    setAudiences([orch.url, proxy.url]);
    const release = join(r.dir, 'release');
    const agent = await fakeAgent(r, 'agent-waits', `while [ ! -f ${JSON.stringify(release)} ]; do sleep 0.05; done\necho hi > widget.txt`);
    const heartbeats = () => proxy.log.filter((x) => x.path.endsWith('/heartbeat') && x.status === 200).length;

    let live = '';
    const running = runAction({
      repo: r,
      inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': agent, 'orchestrator-url': proxy.url }),
      env: oidcEnv(gh),
      onStdout: (c) => (live += c),
    });
    await waitFor(() => heartbeats() >= 1, 'a first heartbeat');
    await proxy.down();
    // A whole heartbeat (with its retry) fails while the orchestrator is down; the job carries on.
    await waitFor(() => /heartbeat failed \(\d+ in a row\)/.test(live), 'a heartbeat to fail during the outage');
    const beforeUp = heartbeats();
    await proxy.up();
    await waitFor(() => heartbeats() > beforeUp, 'heartbeats to resume');
    await writeFile(release, '');
    const run = await running;

    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('success');
    expect(run.stdout).toMatch(/heartbeat failed/);
    expect(run.stdout).toMatch(/heartbeats are getting through again/);
    const writes = proxy.log.filter((x) => x.method !== 'GET' && !x.path.endsWith('/heartbeat') && x.status < 300);
    const count = (p: RegExp) => writes.filter((w) => p.test(w.path)).length;
    expect(count(/\/api\/assignments\/claim$/)).toBe(1);
    expect(count(/\/api\/tasks\/\d+\/git$/)).toBe(1);
    expect(count(/\/progress$/)).toBe(2); // started, in review
    const pulls = gh.pulls.filter((p) => p.head === run.outputs.branch);
    expect(pulls).toHaveLength(1);
    // Recorded exactly once: not lost in the outage, not repeated by a retry.
    expect((await evidenceRows(d.taskId)).map((e) => e.url)).toEqual([pulls[0]!.html_url]);
    expect((await orch.engine.getTask(d.taskId)).status).toBe('in_review');
  });

  it('stops cleanly when the claim is superseded: agent killed, nothing pushed, result stale', async () => {
    const r = await repo();
    const d = await dispatch('stale');
    const started = join(r.dir, 'started');
    const pidFile = join(r.dir, 'agent.pid');
    const agent = await fakeAgent(
      r,
      'agent-slow',
      `echo hi > widget.txt\ntouch ${JSON.stringify(started)}\nsleep 600 &\necho $! > ${JSON.stringify(pidFile)}\nwait`,
    );
    const running = runAction({ repo: r, inputs: inputs({ task: d.key, epoch: String(d.epoch), 'agent-command': agent }), env: oidcEnv(gh) });
    await waitFor(() => existsSync(pidFile), 'the agent to start');
    // Another claim supersedes this one (the lease was given back and handed out again).
    await orch.engine.releaseTask(d.taskId, 'test: superseded', { countAttempt: false });
    const again = await orch.engine.claimForPool({ name: 'stale' });
    expect(again?.lease.epoch).toBeGreaterThan(d.epoch);
    const run = await running;

    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe('stale');
    expect(run.stdout).toMatch(/superseded/);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await waitFor(() => !processAlive(pid), 'the agent to be killed', 10_000);
    expect(r.remoteBranches()).toEqual(['main']);
    expect(gh.pulls.filter((p) => p.body.includes(`<!-- fleet:task=${d.key} -->`))).toHaveLength(0);
    // The new holder's assignment is untouched.
    const current = await orch.engine.getAssignment(again!.assignment.id);
    expect(current.status).toBe('active');
  });

  it('refuses a dispatch whose epoch is already stale without running the agent', async () => {
    const r = await repo();
    const marker = join(r.dir, 'ran');
    const run = await runAction({
      repo: r,
      inputs: inputs({ task: '1.1', epoch: '999', 'agent-command': `touch ${JSON.stringify(marker)}` }),
      env: oidcEnv(gh),
    });
    expect(run.outputs.result).toBe('stale');
    expect(existsSync(marker)).toBe(false);
  });

  it('claims the best task for its pool with the per-pool token when there is no OIDC, and says when nothing fits', async () => {
    const r = await repo();
    const agent = await fakeAgent(r, 'agent-best', 'echo best > widget.txt');
    const env = { GITHUB_API_URL: gh.url };
    const run = await runAction({ repo: r, inputs: inputs({ pool: 'best', 'agent-command': agent, 'orchestrator-token': orch.adminToken }), env });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe('success');
    expect(run.outputs.task).toBe('1.7');
    expect(unmasked(run.stdout)).not.toContain(orch.adminToken);
    expect(run.stdout).toContain(`::add-mask::${orch.adminToken}`);

    const none = await runAction({ repo: await repo(), inputs: inputs({ pool: 'best', 'orchestrator-token': orch.adminToken }), env });
    expect(none.code).toBe(0);
    expect(none.outputs.result).toBe('no-task');
  });

  it('fails clearly on bad inputs and without any credential', async () => {
    const r = await repo();
    const bad = await runAction({ repo: r, inputs: inputs({ 'orchestrator-url': 'not a url', 'heartbeat-seconds': 'often', pool: 'ok' }), env: {} });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/::error::invalid inputs: input "orchestrator-url" expected an http\(s\) URL.*input "heartbeat-seconds" expected a whole number/);
    const task = await runAction({ repo: r, inputs: inputs({ task: '1.1', pool: 'ok' }), env: {} });
    expect(task.stdout).toMatch(/input "epoch" is required when task is set/);
    const nocred = await runAction({ repo: r, inputs: inputs({ pool: 'ok' }), env: {} });
    expect(nocred.stdout).toMatch(/no credential for the orchestrator: give the job `permissions: id-token: write`/);
  });
});
