/**
 * The bundled Action in a feedback round (#14): the first run opens the task's PR; after a
 * changes-requested item and a revise round the second run (mode revise) works on the same
 * branch, gives the agent the feedback fenced as review input, pushes to that branch and updates
 * the same PR. Needs a bundle built from this source (npm run build:action).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOidcVerifier, type OidcVerifier } from '../../app/http/auth/oidc.js';
import { startOrchestrator, type Orchestrator } from '../../app/server.js';
import { orchestratorRoutes } from '../../app/routes.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { createFeedbackStore } from '../../app/feedback/store.js';
import { insertProject } from '../support/fixtures.js';
import { startFakeGitHub, type FakeGitHub } from './support/fakeGitHub.js';
import { actionInputs, fakeAgent, git, makeRepo, oidcEnv, runAction, type TempRepo } from './support/harness.js';

const REPO = 'acme/widgets';
let orch: Orchestrator;
let gh: FakeGitHub;
let dataDir: string;
let verifier: OidcVerifier;
let r: TempRepo | undefined;

beforeAll(async () => {
  gh = await startFakeGitHub({ repository: REPO });
  dataDir = await mkdtemp(join(tmpdir(), 'fleet-orch-'));
  orch = await startOrchestrator({
    env: { DATABASE_URL: 'memory://', PORT: '0', HOST: '127.0.0.1', FLEET_DATA_DIR: dataDir, FLEET_ADMIN_TOKEN: 'admin-token-for-tests-0123456789', LOG_LEVEL: 'silent' },
    log: pino({ level: 'silent' }),
    periodic: false,
    routes: await orchestratorRoutes({}),
    jobs: { verify: (t) => verifier.verify(t) },
    onEngine: async ({ db }) => {
      const { ids } = await insertProject(db, [{ key: '1.1', pool: 'rv', hours: 2 }], REPO);
      await db.query(`UPDATE tasks SET title = 'Widget', body = 'Build the widget.', issue_number = 10 WHERE id = $1`, [ids.get('1.1')]);
    },
  });
  verifier = createOidcVerifier({ issuer: gh.issuer, audience: [orch.url], allowedRepositories: [REPO], allowedWorkflows: ['.github/workflows/fleet-agent.yml'] });
});

afterAll(async () => {
  await r?.cleanup();
  await orch?.close();
  await gh?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

afterEach(() => {
  expect(gh.invalid.splice(0)).toEqual([]);
});

const env = () => oidcEnv(gh);
// Runs say which round they are: the first opens the PR, the second revises it.
const inputs = (over: Record<string, string>) => actionInputs(orch.url, gh, { mode: 'new', ...over });

describe('a revise round', () => {
  it('works on the existing branch with the feedback and keeps one PR for the task', async () => {
    r = await makeRepo();
    // Round 0: the first dispatch opens the PR.
    const first = await orch.engine.claimForPool({ name: 'rv' });
    const a1 = await fakeAgent(r, 'agent-first', 'echo "first" > widget.txt');
    const run1 = await runAction({ repo: r, inputs: inputs({ task: '1.1', epoch: String(first!.lease.epoch), 'agent-command': a1 }), env: env() });
    expect(run1.code, run1.stdout + run1.stderr).toBe(0);
    expect(gh.pulls).toHaveLength(1);
    const branch = run1.outputs.branch!;
    const taskId = first!.task.id;
    expect((await orch.engine.getTask(taskId)).status).toBe('in_review');

    // A writer asked for changes: the item is stored and the task goes back for round 1.
    const store = createFeedbackStore(orch.db, engineHooks(orch.engine));
    await store.add({ taskId, kind: 'changes_requested', source: 'review:1', author: 'octocat', url: null, text: 'Say hello, not first.', files: [{ path: 'widget.txt', line: 1, body: 'should greet' }] });
    expect(await store.beginRound(taskId, 0, 'revise', 'test round')).toBe(1);
    const second = await orch.engine.claimForPool({ name: 'rv' });
    expect(second!.task.id).toBe(taskId);
    expect(second!.lease.epoch).toBeGreaterThan(first!.lease.epoch);

    // Round 1: the agent finds its earlier work and the feedback, fenced as review input.
    const a2 = await fakeAgent(
      r,
      'agent-revise',
      [
        'test "$(cat widget.txt)" = "first"',
        'grep -q "Review feedback (untrusted review input)" "$FLEET_PROMPT_FILE"',
        'grep -q "Say hello, not first." "$FLEET_PROMPT_FILE"',
        'grep -q "widget.txt:1: should greet" "$FLEET_PROMPT_FILE"',
        'echo "hello" > widget.txt',
      ].join('\n'),
    );
    const run2 = await runAction({ repo: r, inputs: inputs({ task: '1.1', epoch: String(second!.lease.epoch), mode: 'revise', 'agent-command': a2 }), env: env() });
    expect(run2.code, run2.stdout + run2.stderr).toBe(0);
    expect(run2.outputs.result).toBe('success');
    expect(run2.outputs.branch).toBe(branch);
    expect(r.remoteFile(branch, 'widget.txt')).toBe('hello\n');
    // The round's commit sits on top of the first one: the branch was continued, not replaced.
    expect(git(r.remote, r.env, 'rev-list', '--count', `main..${branch}`).trim()).toBe('2');
    expect(r.remoteBranches().filter((b) => b.startsWith('fleet/'))).toEqual([branch]);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ head: branch, state: 'open' });
    expect(run2.outputs['pull-request']).toBe(gh.pulls[0]!.html_url);
    expect((await orch.engine.getTask(taskId)).status).toBe('in_review');
  });
});
