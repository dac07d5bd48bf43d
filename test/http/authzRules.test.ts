import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { startLocalIssuer, type LocalIssuer } from '../support/oidcIssuer.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { seedOnStart } from '../../app/seedOnStart.js';
import { readEnv } from '../../app/config/env.js';
import { createOrchestratorClient } from '../../action/src/orchestratorClient.js';
import { systemClock } from '../../action/src/clock.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { runCli } from '../../app/cli/main.js';
import type { CliIo } from '../../app/cli/io.js';
import { PG_URL } from '../support/db.js';

/**
 * "Everyone stays in their room" (issue 10), one rule per test: each of these failed before
 * project scopes, the admin's hold on agent settings and lasting deactivation.
 */

const AUDIENCE = 'https://fleet.authz-rules.test';

let s: TestServer;
let issuer: LocalIssuer;

/** Two projects of this test's own (so tests do not see each other's tasks), with a job token for each. */
async function rooms(label: string) {
  const X = `acme/${label}-x`;
  const Y = `acme/${label}-y`;
  const px = await insertProject(s.o.db, [], X);
  const py = await insertProject(s.o.db, [], Y);
  return { X, Y, px, py, jobX: await issuer.token(X), jobY: await issuer.token(Y) };
}

/** A fresh task in a project; `ready` refreshes readiness and the index so it can be claimed. */
async function task(projectId: number, key: string, cp = 1): Promise<number> {
  const { rows } = await s.o.db.query<{ id: number }>(
    `INSERT INTO tasks (project_id, key, title, estimated_hours, critical_path_hours) VALUES ($1, $2, $3, 1, $4) RETURNING id`,
    [projectId, key, `Task ${key}`, cp],
  );
  await s.o.engine.refreshAll();
  return Number(rows[0]!.id);
}

/** What the app does when it dispatches a workflow: claim for the pool in that project. */
async function dispatch(projectId: number, pool: string) {
  const claim = await s.o.engine.claimForPool({ name: pool, capacity: 100 }, projectId);
  if (!claim) throw new Error('nothing to dispatch');
  return claim;
}

beforeAll(async () => {
  issuer = await startLocalIssuer(AUDIENCE);
  s = await startTestServer('authz_rules', {
    redis: true,
    env: { FLEET_PUBLIC_URL: AUDIENCE, FLEET_OIDC_ISSUER: issuer.url, FLEET_OIDC_REPOSITORIES: 'acme/*' },
    start: { routes: [gitRoutes] },
  });
});
afterAll(async () => {
  await s?.close();
  await issuer?.close();
});

describe('GitHub Actions job tokens act only on their own repository', () => {
  it("a job of Y cannot complete X's assignment, heartbeat it, re-point its branch or add evidence to it", async () => {
    const { px, jobX, jobY } = await rooms('complete');
    const key = 'j.1';
    const id = await task(px.projectId, key, 100);
    const c = await dispatch(px.projectId, 'x-runners');
    expect(c.task.id).toBe(id);
    const epoch = c.lease.epoch;
    const aid = c.assignment.id;

    const done = await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch, status: 'done' }, jobY);
    expect(done.status).toBe(403);
    expect(done.json.error.message).toMatch(/acme\/complete-y/);
    expect((await s.call('PATCH', `/api/tasks/${id}/progress`, { epoch, status: 'done' }, jobY)).status).toBe(403);
    expect((await s.call('POST', `/api/assignments/${aid}/heartbeat`, { epoch }, jobY)).status).toBe(403);
    expect((await s.call('PATCH', `/api/tasks/${id}/git`, { epoch, branch: 'evil/branch' }, jobY)).status).toBe(403);
    expect((await s.call('PATCH', `/api/tasks/${id}/git`, { branch: 'evil/branch' }, jobY)).status).toBe(403);
    expect((await s.call('POST', '/api/git/evidence', { task_id: id, type: 'note', summary: 'x' }, jobY)).status).toBe(403);

    const t = (await s.call('GET', `/api/tasks/${id}`)).json.task;
    expect(t.status).toBe('assigned');
    expect(t.branch).toBeNull();

    // Its own repository's job may.
    expect((await s.call('PATCH', `/api/tasks/${id}/git`, { epoch, branch: 'fleet/j.1' }, jobX)).status).toBe(200);
    expect((await s.call('PATCH', `/api/assignments/${aid}/progress`, { epoch, status: 'in_review' }, jobX)).status).toBe(200);
  });

  it('a job sends the lease epoch with a branch: without one the branch is not moved', async () => {
    const { px, jobX } = await rooms('epoch');
    const id = await task(px.projectId, 'j.epoch', 100);
    await dispatch(px.projectId, 'x-runners');
    const r = await s.call('PATCH', `/api/tasks/${id}/git`, { branch: 'fleet/no-epoch' }, jobX);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/epoch/);
    expect((await s.call('GET', `/api/tasks/${id}`)).json.task.branch).toBeNull();
  });

  it('a job cannot register, rewrite or reactivate agents', async () => {
    const { jobX } = await rooms('agents');
    const { agentId } = await mintAgentToken(s.o.db, 'rules-victim', { pool: 'default' });
    const r = await s.call('POST', '/api/agents/heartbeat', { name: 'rules-victim', pool: 'other', capacity: 1000 }, jobX);
    expect(r.status).toBe(403);
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'brand-new-agent' }, jobX)).status).toBe(403);
    const a = (await s.call('GET', `/api/agents/${agentId}`)).json.agent;
    expect(a).toMatchObject({ pool: 'default', capacity: 1 });
    expect((await s.call('GET', '/api/agents')).json.agents.map((x: { name: string }) => x.name)).not.toContain('brand-new-agent');
  });

  it("a job claims only in its repository's project, and asking for another is refused", async () => {
    const { X, px, py, jobY } = await rooms('claim');
    await task(px.projectId, 'c.x', 1000);
    const yId = await task(py.projectId, 'c.y', 1);
    const other = await s.call('POST', '/api/assignments/claim', { pool: 'y-runners', project: X }, jobY);
    expect(other.status).toBe(403);
    const own = await s.call('POST', '/api/assignments/claim', { pool: 'y-runners' }, jobY);
    expect(own.status).toBe(200);
    expect(own.json.task.id).toBe(yId);
  });

  it('a dispatched job confirms its task by key even when that key exists in several projects', async () => {
    const { X, Y, px, py, jobX, jobY } = await rooms('confirm');
    // The example plan and the repository's plan both have a "d.1".
    await task(py.projectId, 'd.1', 0);
    const xId = await task(px.projectId, 'd.1', 5000);
    const c = await dispatch(px.projectId, 'x-runners');
    expect(c.task.id).toBe(xId);
    const r = await s.call('POST', '/api/assignments/claim', { task_key: 'd.1', epoch: c.lease.epoch }, jobX);
    expect(r.status).toBe(200);
    expect(r.json.task.id).toBe(xId);
    // The Action also names its repository; naming another one is refused.
    expect((await s.call('POST', '/api/assignments/claim', { task_key: 'd.1', epoch: c.lease.epoch, project: X }, jobX)).status).toBe(200);
    expect((await s.call('POST', '/api/assignments/claim', { task_key: 'd.1', epoch: c.lease.epoch, project: Y }, jobX)).status).toBe(403);
    // Y's job finds Y's own d.1, which nobody holds.
    expect((await s.call('POST', '/api/assignments/claim', { task_key: 'd.1', epoch: c.lease.epoch }, jobY)).status).toBe(409);
  });
});

describe('agent and pool tokens minted for one project', () => {
  it('claim only there and cannot act on another project', async () => {
    const { X, Y, px, py } = await rooms('scoped');
    const pool = await mintAgentToken(s.o.db, 'pool/x-scoped', { pool: 'x-scoped', project: X, capacity: 10 });
    await task(py.projectId, 'p.y', 9000);
    const xId = await task(px.projectId, 'p.x', 1);
    const mine = await s.call('POST', '/api/assignments/claim', {}, pool.token);
    expect(mine.status).toBe(200);
    expect(mine.json.task.id).toBe(xId);
    expect((await s.call('POST', '/api/assignments/claim', { project: Y }, pool.token)).status).toBe(403);

    // An assignment in Y that an admin gave this very agent: still out of its room.
    const yId = await task(py.projectId, 'p.y2', 1);
    const a = (await s.call('POST', '/api/assignments', { task_id: yId, agent_id: pool.agentId })).json;
    const hb = await s.call('POST', `/api/assignments/${a.assignment.id}/heartbeat`, { epoch: a.lease.epoch }, pool.token);
    expect(hb.status).toBe(403);
    expect(hb.json.error.message).toMatch(/acme\/scoped-x/);
  });
});

describe('agent tokens cannot promote themselves', () => {
  it('refuses a heartbeat that changes pool, labels or capacity, and keeps what the admin set', async () => {
    const { token, agentId } = await mintAgentToken(s.o.db, 'modest', { pool: 'cpu', labels: ['linux'], capacity: 2 });
    for (const change of [{ capacity: 1000 }, { pool: 'gpu' }, { labels: ['linux', 'gpu'] }]) {
      const r = await s.call('POST', '/api/agents/heartbeat', { name: 'modest', ...change }, token);
      expect(r.status, JSON.stringify(change)).toBe(403);
      expect(r.json.error.message).toMatch(/admin/);
    }
    // The same values (or none) are a plain heartbeat.
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'modest', pool: 'cpu', labels: ['linux'], capacity: 2, kind: 'vm' }, token)).status).toBe(200);
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'modest' }, token)).status).toBe(200);
    expect((await s.call('GET', `/api/agents/${agentId}`)).json.agent).toMatchObject({ pool: 'cpu', labels: ['linux'], capacity: 2, kind: 'vm' });
    // The admin may.
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'modest', capacity: 3 })).json.agent.capacity).toBe(3);
  });
});

describe('deactivation holds', () => {
  it('a deactivated agent cannot heartbeat itself back; only the admin activates it', async () => {
    const { X, px } = await rooms('sleep');
    const { token, agentId } = await mintAgentToken(s.o.db, 'sleeper', { project: X });
    expect((await s.call('POST', `/api/agents/${agentId}/deactivate`, {})).status).toBe(200);
    await task(px.projectId, 'z.1', 1);

    const hb = await s.call('POST', '/api/agents/heartbeat', { name: 'sleeper' }, token);
    expect(hb.status).toBe(403);
    expect(hb.json.error.message).toMatch(/deactivated/);
    // Not even an admin heartbeat (a runner's supervisor) wakes it.
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'sleeper' })).json.agent.active).toBe(false);
    expect((await s.call('POST', '/api/assignments/claim', {}, token)).status).toBe(403);
    expect((await s.call('GET', `/api/agents/${agentId}`)).json.agent.active).toBe(false);

    expect((await s.call('POST', `/api/agents/${agentId}/activate`, {}, token)).status).toBe(403);
    const on = await s.call('POST', `/api/agents/${agentId}/activate`, {});
    expect(on.status).toBe(200);
    expect(on.json.agent.active).toBe(true);
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'sleeper' }, token)).status).toBe(200);
    expect((await s.call('POST', '/api/assignments/claim', {}, token)).status).toBe(200);
    expect((await s.call('POST', '/api/agents/999999/activate', {})).status).toBe(404);
  });
});

describe('the Action names its repository', () => {
  it('a pool job with an unscoped token claims its own repository\'s task, not the example plan\'s', async () => {
    const { X, px } = await rooms('action');
    const ex = await insertProject(s.o.db, [{ key: 'e.1', cp: 99_999 }], 'local/example');
    await s.o.engine.refreshAll();
    const { token, agentId } = await mintAgentToken(s.o.db, 'pool/shared', { pool: 'shared', capacity: 10 });
    const mine = await task(px.projectId, 'a.1', 1);
    const client = createOrchestratorClient({ baseUrl: s.url, token: async () => token, clock: systemClock, project: X });
    const claim = await client.claim({ pool: 'shared' });
    expect(claim?.task.id).toBe(mine);
    expect((await s.call('GET', `/api/tasks/${ex.ids.get('e.1')}`)).json.task.status).toBe('pending');

    // A dispatched job confirms by key; the example plan has the same key, and the token is unscoped.
    const dupe = await task(px.projectId, 'e.1', 1);
    const dispatched = await s.o.engine.assign(dupe, agentId);
    const confirmed = await client.claim({ taskKey: 'e.1', epoch: dispatched.lease.epoch });
    expect(confirmed?.task.id).toBe(dupe);
  });
});

describe('the example plan', () => {
  const base = { DATABASE_URL: 'memory://', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv;
  it('is not seeded when a GitHub App is configured, and no job can see it when it is', async () => {
    const probe = await startTestServer('authz_seed', {
      env: { FLEET_PUBLIC_URL: AUDIENCE, FLEET_OIDC_ISSUER: issuer.url, FLEET_OIDC_REPOSITORIES: 'local/*' },
    });
    try {
      const log = pino({ level: 'silent' });
      await seedOnStart({ engine: probe.o.engine, db: probe.o.db, log, config: readEnv({ ...base, APP_ID: '1', WEBHOOK_SECRET: 'secret-secret', PRIVATE_KEY: 'k' }) });
      expect((await probe.call('GET', '/api/tasks')).json.tasks).toEqual([]);
      await seedOnStart({ engine: probe.o.engine, db: probe.o.db, log, config: readEnv(base) });
      await probe.o.engine.rebuildQueue();
      expect((await probe.call('GET', '/api/tasks')).json.tasks.length).toBeGreaterThan(0);
      // A job of a repository literally named local/example still sees nothing of the demo.
      const job = await issuer.token('local/example');
      const r = await probe.call('POST', '/api/assignments/claim', { pool: 'any' }, job);
      expect(r.status).toBe(404);
      expect(r.json.error.message).toMatch(/local\/example/);
    } finally {
      await probe.close();
    }
  });
});

describe('fleet agents token --project', () => {
  it('mints a token that claims only in that project, with the pool, labels and capacity the admin gave', async () => {
    const { X, Y, px, py } = await rooms('cli');
    await task(py.projectId, 'k.y', 9000);
    const mine = await task(px.projectId, 'k.x', 1);
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (l: string) => void out.push(l), stderr: (l: string) => void err.push(l), env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: s.o.config.DATABASE_SCHEMA, LOG_LEVEL: 'silent' } };
    const args = ['agents', 'token', 'cli-runner', '--project', X, '--pool', 'cli', '--labels', 'linux,gpu', '--capacity', '3'];
    expect(await runCli(args, io)).toBe(0);
    expect(err.join('\n')).toContain(`limited to ${X}`);
    const token = out.at(-1)!;
    const claim = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(claim.status).toBe(200);
    expect(claim.json.task.id).toBe(mine);
    expect((await s.call('POST', '/api/assignments/claim', { project: Y }, token)).status).toBe(403);
    const agent = (await s.call('GET', '/api/agents')).json.agents.find((a: { name: string }) => a.name === 'cli-runner');
    expect(agent).toMatchObject({ pool: 'cli', labels: ['linux', 'gpu'], capacity: 3 });

    expect(await runCli(['agents', 'token', 'cli-bad', '--capacity', '5000'], io)).toBe(2);
    expect(err.at(-1)).toMatch(/--capacity: expected a whole number from 1 to 1000/);
    expect(await runCli(['agents', 'token', 'cli-bad', '--project', 'not a repo'], io)).toBe(2);
    expect(err.at(-1)).toMatch(/--project: expected owner\/repo/);
  });
});
