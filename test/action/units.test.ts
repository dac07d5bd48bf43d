import { describe, expect, it } from 'vitest';
import type { Clock } from '../../action/src/clock.js';
import { startHeartbeat } from '../../action/src/heartbeat.js';
import { readInputs } from '../../action/src/inputs.js';
import { agentEnvironment } from '../../action/src/main.js';
import { OrchestratorError, LeaseSupersededError, createOrchestratorClient } from '../../action/src/orchestratorClient.js';
import { acceptanceCriteria, branchName, buildPrompt, slugify } from '../../action/src/prompt.js';
import { buildPullBody } from '../../action/src/pullRequest.js';
import { readMarker } from '../../schema/markers.js';
import { claimedTask } from './support/claimedTask.js';

const task = claimedTask({
  title: 'Add the OIDC verifier!',
  body: 'Verify tokens.\n\n## Acceptance criteria\n- [ ] bad audience refused\n- good token accepted\n\n## Notes\n- not a criterion',
  deliverables: ['app/http/auth/oidc.ts'],
  dependencies: [{ key: '1.1', status: 'in_review', pr_number: 12 }],
});

/** A clock that only moves when told: sleeps resolve on `tick`. */
function manualClock() {
  let now = 0;
  const sleepers: { at: number; resolve: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        const s = { at: now + ms, resolve };
        sleepers.push(s);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      }),
  };
  return {
    clock,
    async advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0).filter((x) => (x.at <= now ? (x.resolve(), false) : true))) sleepers.push(s);
      for (let i = 0; i < 10; i++) await Promise.resolve();
    },
  };
}

describe('prompt and branch', () => {
  it('names the branch fleet/<key>-<slug>', () => {
    expect(slugify('Ünïcode & symbols -- here!')).toBe('unicode-symbols-here');
    expect(branchName(task)).toBe('fleet/2.3-add-the-oidc-verifier');
    expect(branchName({ ...task, branch: 'fleet/2.3-kept' })).toBe('fleet/2.3-kept');
    expect(branchName({ ...task, branch: 'main' })).toBe('fleet/2.3-add-the-oidc-verifier');
  });

  it('writes title, body, deliverables, acceptance criteria and the dependencies PRs', () => {
    expect(acceptanceCriteria(task.body)).toEqual(['bad audience refused', 'good token accepted']);
    const p = buildPrompt(task, { repository: 'acme/w', branch: 'fleet/x', baseBranch: 'main', serverUrl: 'https://github.com' });
    expect(p).toContain('# Task 2.3: Add the OIDC verifier!');
    expect(p).toContain('- app/http/auth/oidc.ts');
    expect(p).toContain('- [ ] bad audience refused');
    expect(p).toContain('- 1.1 (in_review) - PR #12 (https://github.com/acme/w/pull/12)');
    expect(p).toContain('Issue: #41');
  });

  it('puts Closes #N and the marker in the PR body', () => {
    const body = buildPullBody(task, { changedFiles: ['a.ts'], agentSeconds: 12 });
    expect(body).toContain('Closes #41');
    expect(body.trim().endsWith('<!-- fleet:task=2.3 -->')).toBe(true);
    // The app finds the task of a pull request by this marker, with the reader in schema/markers.ts.
    expect(readMarker(body)).toEqual({ kind: 'task', key: '2.3' });
  });
});

describe('inputs', () => {
  const base: Record<string, string> = {
    'orchestrator-url': 'https://fleet.example.com/',
    'agent-command': 'agent',
    'github-token': 't',
    pool: 'vm',
  };
  const read = (over: Record<string, string>) => readInputs((n) => ({ ...base, ...over })[n] ?? '');

  it('applies defaults and trims the URL', () => {
    expect(read({})).toMatchObject({ orchestratorUrl: 'https://fleet.example.com', heartbeatSeconds: 60, timeoutMinutes: 60, draftPr: false, task: undefined });
  });

  it('names every bad input with what is accepted', () => {
    expect(() => read({ epoch: '-1', 'draft-pr': 'maybe', 'timeout-minutes': '0' })).toThrow(
      /input "epoch" expected a positive whole number.*input "timeout-minutes" expected a number from 0.01 to 4320.*input "draft-pr" expected true or false/,
    );
    expect(() => read({ 'orchestrator-url': 'https://user:pw@fleet.example.com' })).toThrow(/must not contain credentials/);
  });
});

describe('agent environment', () => {
  it('hides tokens, OIDC request credentials and runner command files from the agent', () => {
    const env = agentEnvironment(
      { PATH: '/bin', 'INPUT_GITHUB-TOKEN': 'x', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'y', ACTIONS_RUNTIME_TOKEN: 'z', GITHUB_ENV: '/f', GITHUB_REPOSITORY: 'a/b' },
      task,
      { branch: 'fleet/x', baseBranch: 'main', promptFile: '/tmp/p.md', epoch: 3, workspace: '/w' },
    );
    expect(env).toMatchObject({ PATH: '/bin', GITHUB_REPOSITORY: 'a/b', FLEET_TASK_KEY: '2.3', FLEET_EPOCH: '3', FLEET_PROMPT_FILE: '/tmp/p.md', FLEET_ISSUE_NUMBER: '41' });
    for (const k of ['INPUT_GITHUB-TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'GITHUB_ENV']) expect(env[k]).toBeUndefined();
  });
});

describe('heartbeat loop', () => {
  it('beats every interval, survives failures, and stops for good on a stale epoch', async () => {
    const { clock, advance } = manualClock();
    const answers: (Error | 'ok')[] = ['ok', new Error('ECONNREFUSED'), 'ok', new LeaseSupersededError('stale', 409, 'stale_epoch')];
    let stale = 0;
    let recovered = 0;
    const hb = startHeartbeat({
      intervalMs: 1000,
      clock,
      beat: async () => {
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return { epoch: 1, expires_at: 'later' };
      },
      onStale: () => stale++,
      onRecovered: () => recovered++,
    });
    for (let i = 0; i < 6; i++) await advance(1000);
    expect(hb.stats).toMatchObject({ sent: 4, ok: 2, failed: 1, stale: true });
    expect(stale).toBe(1);
    expect(recovered).toBe(1);
    await hb.stop();
  });

  it('sends nothing after stop', async () => {
    const { clock, advance } = manualClock();
    let beats = 0;
    const hb = startHeartbeat({ intervalMs: 1000, clock, beat: async () => (beats++, { epoch: 1, expires_at: 'x' }), onStale: () => undefined });
    await advance(1000);
    await hb.stop();
    await advance(5000);
    expect(beats).toBe(1);
  });
});

describe('orchestrator client retries', () => {
  const noSleep: Clock = { now: () => 0, sleep: async () => undefined };
  const respond = (status: number, body?: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('retries idempotent calls on 5xx and network errors, never a non-idempotent POST that may have arrived', async () => {
    const calls: string[] = [];
    const answers = [() => respond(503, { error: { code: 'unavailable', message: 'down' } }), () => respond(200, { lease: { epoch: 2, expires_at: '2026-01-01T00:10:00.000Z' } })];
    const client = createOrchestratorClient({
      baseUrl: 'http://o',
      token: async () => 't',
      clock: noSleep,
      fetch: (async (url: string, init: RequestInit) => {
        calls.push(`${init.method} ${url}`);
        if (url.endsWith('/heartbeat')) return answers.shift()!();
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      }) as typeof fetch,
    });
    expect(await client.heartbeat(5, 2)).toEqual({ epoch: 2, expires_at: '2026-01-01T00:10:00.000Z' });
    await expect(client.evidence({ task_id: 1, type: 'note' })).rejects.toThrow(/unreachable.*ECONNRESET/);
    expect(calls.filter((c) => c.includes('/evidence'))).toHaveLength(1);
    expect(calls.filter((c) => c.includes('/heartbeat'))).toHaveLength(2);
  });

  it('turns 409 stale_epoch into LeaseSupersededError, and asks for a fresh token after a 401', async () => {
    const tokens: boolean[] = [];
    let n = 0;
    const client = createOrchestratorClient({
      baseUrl: 'http://o',
      token: async (refresh) => (tokens.push(refresh), refresh ? 'new' : 'old'),
      clock: noSleep,
      fetch: (async () => (n++ === 0 ? respond(401, { error: { code: 'unauthorized', message: 'expired' } }) : respond(409, { error: { code: 'stale_epoch', message: 'superseded' } }))) as unknown as typeof fetch,
    });
    const err = await client.progress(1, { epoch: 1, status: 'failed' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseSupersededError);
    expect((err as OrchestratorError).message).toMatch(/409 stale_epoch: superseded/);
    expect(tokens).toEqual([false, true]);
  });
});
