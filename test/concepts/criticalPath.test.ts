import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PG_URL, freshDb, type TestDb } from '../support/db.js';
import { freshRedis } from '../support/redis.js';
import { INSTALLATION, example, privateKey, testConfig } from '../github/helpers.js';
import { fakeRepo } from '../support/fakeRepo.js';
import { runCli } from '../../app/cli/main.js';
import type { CliIo } from '../../app/cli/io.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { RedisQueue } from '../../app/queue/redisQueue.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { ConfigStore } from '../../app/github/config.js';
import { PermissionCache } from '../../app/github/commands/permissions.js';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { fleetApp } from '../../app/github/ingest/fleetApp.js';
import { planHooks } from '../../app/github/planSync/planHooks.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { remainingCriticalPathHours } from '../../app/plan/schedule/criticalPath.js';

/**
 * Issue 12: a task's place in the queue (tasks.critical_path_hours first) must not depend on the
 * door its plan came in by. The same plan goes in through `fleet seed`, a push of the plan file
 * (the GitHub App's webhook) and `fleet sync`; then `/fleet estimate` edits one estimate and the
 * project must look exactly like a fresh seed of the edited plan, ready index included.
 */

const PLAN_FILE = resolve(import.meta.dirname, 'fixtures/threshold-plan.md');
const OWNER = 'Codertocat';
const PUSHED = 'Hello-World';
const SYNCED = 'Sync-World';

let t: TestDb;
let redis: Awaited<ReturnType<typeof freshRedis>>;
let engine: Engine;
let planText: string;
const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);

beforeAll(async () => {
  // The CLI opens its own pool on the same schema, so this needs the real server.
  t = await freshDb('concepts_cp', { backend: 'postgres' });
  redis = await freshRedis('concepts_cp');
  engine = new Engine({ db: t.db, queue: new RedisQueue(redis.redis, redis.prefix), events: new LocalEventBus(), leaseTtlSeconds: 600, maxAttempts: 3 });
  planText = await readFile(PLAN_FILE, 'utf8');
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
});
afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
  await redis?.cleanup();
  await t?.cleanup();
});
beforeEach(async () => {
  unmatched.length = 0;
  await t.db.query('DELETE FROM projects');
  await engine.rebuildQueue();
});
afterEach(() => {
  nock.cleanAll();
  expect(unmatched).toEqual([]);
});

function io(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const base: NodeJS.ProcessEnv = { GITHUB_TOKEN: 'ghp_conceptstoken', DATABASE_URL: PG_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'silent' };
  return { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { ...base, ...env }, out, err };
}

async function cli(argv: string[]): Promise<void> {
  const c = io();
  const code = await runCli(argv, c);
  expect(c.err.join('\n')).toBe('');
  expect(code).toBe(0);
}

let deliveries = 0;

/** The GitHub App over the shared engine, with the real plan parser and no pools (nothing is dispatched). */
async function githubApp() {
  const configs = new ConfigStore();
  configs.set(OWNER, PUSHED, testConfig({ pools: [] }));
  const port = createSqlPort(t.db, { engine: engineHooks(engine) });
  const probot = createFleetProbot({ appId: 123, privateKey: privateKey(), secret: 'test-secret', env: {}, throttle: { enabled: false }, retry: { enabled: false } });
  await probot.load(
    fleetApp({ port, configs, orchestratorUrl: 'https://fleet.example.test', plan: planHooks(t.db, parsePlan), permissions: new PermissionCache() }),
  );
  // Delivery ids are unique across apps: GitHub writes are recorded per delivery, so a reused id
  // would be taken for a re-run of one already handled.
  const send = (name: string, payload: unknown) => probot.receive({ id: `cp-${++deliveries}`, name, payload } as never);
  return { send };
}

/** A push of the plan file; each push is its own commit (the same body again would be a replay). */
let pushes = 0;
async function pushPlan(app: Awaited<ReturnType<typeof githubApp>>): Promise<void> {
  const push = example<Record<string, unknown>>('push', undefined, 0);
  const sha = (++pushes).toString(16).padStart(40, 'c');
  Object.assign(push, {
    ref: 'refs/heads/main',
    after: sha,
    deleted: false,
    installation: { id: INSTALLATION },
    commits: [{ id: sha, message: 'plan', added: ['.github/fleet-plan.md'], modified: [] }],
    head_commit: { id: sha, message: 'plan', added: ['.github/fleet-plan.md'], modified: [] },
  });
  await app.send('push', push);
}

async function projectId(owner: string, repo: string): Promise<number> {
  const { rows } = await t.db.query<{ id: number }>('SELECT id FROM projects WHERE owner = $1 AND repo = $2', [owner, repo]);
  expect(rows[0], `${owner}/${repo} was seeded`).toBeDefined();
  return Number(rows[0]!.id);
}

async function levels(pid: number): Promise<Record<string, number>> {
  const { rows } = await t.db.query<{ key: string; cph: number }>('SELECT key, critical_path_hours::float8 AS cph FROM tasks WHERE project_id = $1 ORDER BY key', [pid]);
  return Object.fromEntries(rows.map((r) => [r.key, r.cph]));
}

/**
 * The ready tasks in the order the Redis index hands them out, after the server's periodic sweep
 * (readiness refresh and index rebuild), which is how rows the CLI wrote reach a running server.
 */
async function readyOrder(pid: number): Promise<string[]> {
  await engine.refreshAll();
  await engine.rebuildQueue();
  return (await engine.listReady({ projectId: pid })).map((x) => x.key);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

describe('critical path hours: one computation behind every door a plan comes in by', () => {
  it('fleet seed, a push of the plan file and fleet sync give the same levels and the same ready order', async () => {
    await cli(['seed', PLAN_FILE, '--project', `${OWNER}/Seeded-World`]);

    const pushed = fakeRepo(OWNER, PUSHED, { files: { '.github/fleet-plan.md': planText } });
    await pushPlan(await githubApp());
    expect(pushed.issueOf('task', '1.1')).toBeDefined();

    fakeRepo(OWNER, SYNCED);
    await cli(['sync', PLAN_FILE, '--repo', `${OWNER}/${SYNCED}`]);

    const seeded = await projectId(OWNER, 'Seeded-World');
    const viaPush = await projectId(OWNER, PUSHED);
    const viaSync = await projectId(OWNER, SYNCED);

    // The plan-level truth: the scheduler's longest remaining chain, epic thresholds counted.
    const truth = remainingCriticalPathHours(parsePlan(planText));
    const expected = Object.fromEntries([...truth].map(([k, v]) => [k, round2(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
    expect(await levels(seeded)).toEqual(expected);
    expect(await levels(viaPush)).toEqual(expected);
    expect(await levels(viaSync)).toEqual(expected);

    const order = await readyOrder(seeded);
    expect(order.length).toBeGreaterThan(1);
    expect(await readyOrder(viaPush)).toEqual(order);
    expect(await readyOrder(viaSync)).toEqual(order);
    // Every door records where the tasks' text came from, with the same hash of the same file
    // (the agent's prompt names it); only a push knows the commit.
    const hash = `sha256:${createHash('sha256').update(planText).digest('hex')}`;
    const provenance = async (pid: number) => (await t.db.query('SELECT DISTINCT plan_path, plan_commit, plan_hash FROM tasks WHERE project_id = $1', [pid])).rows;
    expect(await provenance(seeded)).toEqual([{ plan_path: PLAN_FILE, plan_commit: null, plan_hash: hash }]);
    expect(await provenance(viaSync)).toEqual([{ plan_path: PLAN_FILE, plan_commit: null, plan_hash: hash }]);
    expect(await provenance(viaPush)).toEqual([{ plan_path: '.github/fleet-plan.md', plan_commit: expect.stringMatching(/^[0-9a-f]{40}$/), plan_hash: hash }]);
  });

  it('/fleet estimate recomputes the whole project: upstream levels match a fresh seed of the edited plan, and the index follows', async () => {
    const repo = fakeRepo(OWNER, PUSHED, { files: { '.github/fleet-plan.md': planText } });
    const app = await githubApp();
    await pushPlan(app);
    const pid = await projectId(OWNER, PUSHED);
    const before = await levels(pid);

    // 1.3 depends on 1.1: 1.1 is upstream of it and must move with it, past 3.1.
    expect((await readyOrder(pid)).slice(0, 2)).toEqual(['3.1', '1.1']);
    const issue = repo.issueOf('task', '1.3')!;
    expect(issue).toBeDefined();
    nock(API_URL)
      .get(`/repos/${OWNER}/${PUSHED}/collaborators/octocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write' })
      .post(`/repos/${OWNER}/${PUSHED}/issues/comments/${7000 + issue}/reactions`, { content: '+1' })
      .reply(201, {});
    const c = example<{ comment: Record<string, unknown>; issue: Record<string, unknown> }>('issue_comment', 'created');
    c.comment.body = '/fleet estimate 40h';
    c.comment.id = 7000 + issue;
    c.comment.user = { login: 'octocat', type: 'User' };
    c.issue.number = issue;
    delete c.issue.pull_request;
    await app.send('issue_comment', c);

    const edited = planText.replace('Issue #1.3: Wiring (20 hours)', 'Issue #1.3: Wiring (40 hours)');
    expect(edited).not.toBe(planText);
    const truth = remainingCriticalPathHours(parsePlan(edited));
    const after = await levels(pid);
    expect((await t.db.query<{ h: number }>(`SELECT estimated_hours::float8 AS h FROM tasks WHERE project_id = $1 AND key = '1.3'`, [pid])).rows[0]!.h).toBe(40);
    expect(after['1.1']).toBeGreaterThan(before['1.1']!);
    expect(after).toEqual(Object.fromEntries([...truth].map(([k, v]) => [k, round2(v)]).sort(([a], [b]) => (a! < b! ? -1 : 1))));

    // The same as `fleet seed` of the edited plan, including the ready order.
    const dir = await mkdtemp(join(tmpdir(), 'concepts-'));
    try {
      await writeFile(join(dir, 'plan.md'), edited);
      await cli(['seed', join(dir, 'plan.md'), '--project', `${OWNER}/Edited-World`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const fresh = await projectId(OWNER, 'Edited-World');
    expect(await levels(fresh)).toEqual(after);
    // The edited project's entries in the Redis index already carry the new levels: no sweep ran.
    const live = (await engine.listReady({ projectId: pid })).map((x) => x.key);
    const freshOrder = await readyOrder(fresh);
    expect(freshOrder.slice(0, 2)).toEqual(['1.1', '3.1']); // 1.1 (78h) now outranks 3.1 (54h)
    expect(live).toEqual(freshOrder);
  });
});

const API_URL = 'https://api.github.com';
