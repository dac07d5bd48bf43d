import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { API, INSTALLATION, OWNER, REPO, privateKey, testConfig } from '../github/helpers.js';
import { orchestratorRoutes } from '../../app/routes.js';
import { MergeQueueRunner } from '../../app/github/mergeQueue/runner.js';
import { MergeQueueStore } from '../../app/github/mergeQueue/store.js';
import type { RepoCtx } from '../../app/github/context.js';

/**
 * Issue 12: the dashboard's `GET /api/git/merge-queue` and the merge runner must show and do the
 * same thing. The repository's `.github/fleet.yml` asks for 2 approvals; the server mounts the
 * GitHub App, so the API view must read that file (through the app's config store), not the
 * default of 1, and word each wait exactly as the runner records it.
 */

let s: TestServer;
const unmatched: string[] = [];
// Calls to the test server itself pass through; anything else unmocked is a failure.
const onNoMatch = (req: { method?: string; path?: string; hostname?: string; host?: string }) => {
  if ((req.hostname ?? req.host ?? '').startsWith('127.0.0.1')) return;
  unmatched.push(`${req.method} ${req.path}`);
};

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  nock.emitter.on('no match', onNoMatch);
  const env = { APP_ID: '123', PRIVATE_KEY: privateKey(), WEBHOOK_SECRET: 'test-secret', FLEET_PUBLIC_URL: 'https://fleet.example.test' };
  s = await startTestServer('concepts_mq', { env, start: { routes: await orchestratorRoutes({ ...process.env, ...env }) } });
});
afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
  await s?.close();
});
afterEach(() => {
  nock.cleanAll();
  expect(unmatched).toEqual([]);
});

async function fixture(): Promise<{ projectId: number; ids: Map<string, number> }> {
  const db = s.o.db;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO projects (owner, repo, installation_id, default_branch) VALUES ($1, $2, $3, 'main') RETURNING id`,
    [OWNER, REPO, INSTALLATION],
  );
  const projectId = Number(rows[0]!.id);
  const ids = new Map<string, number>();
  // key, critical path hours, PR, approvals given, checks
  const tasks: [string, number, number, number][] = [
    ['1.1', 10, 11, 2],
    ['1.2', 20, 12, 2],
    ['1.3', 5, 13, 1],
    ['1.4', 8, 14, 2],
  ];
  for (const [key, cph, pr, approvals] of tasks) {
    const t = await db.query<{ id: number }>(
      `INSERT INTO tasks (project_id, key, title, estimated_hours, critical_path_hours, status, pr_number, branch)
       VALUES ($1, $2, $3, 1, $4, 'in_review', $5, $6) RETURNING id`,
      [projectId, key, `Task ${key}`, cph, pr, `fleet/${key}`],
    );
    const id = Number(t.rows[0]!.id);
    ids.set(key, id);
    const sha = String(pr).repeat(20);
    const ev = (type: string, metadata: object, ago: number) =>
      db.query(
        `INSERT INTO evidence (project_id, task_id, type, ref, url, source, metadata, created_at)
         VALUES ($1, $2, $3, $4, $5, 'webhook', $6::jsonb, now() - make_interval(secs => $7))`,
        [projectId, id, type, sha, `https://github.com/${OWNER}/${REPO}/pull/${pr}`, JSON.stringify(metadata), ago],
      );
    await ev('pr', { action: 'opened', number: pr }, 100);
    for (let i = 0; i < approvals; i++) await ev('review', { action: 'submitted', state: 'approved', reviewer: `reviewer${i}` }, 50 - i);
    await ev('check', { kind: 'check_run', name: 'ci', conclusion: key === '1.4' ? null : 'success', status: key === '1.4' ? 'in_progress' : 'completed' }, 40);
    // What the runner last saw of the PR on GitHub: the same reviews and checks.
    await db.query(
      `INSERT INTO merge_queue (project_id, base_branch, task_id, pr_number, head_sha, approvals, checks, check_names, created_at)
       VALUES ($1, 'main', $2, $3, $4, $5, $6, $7::text[], now() - make_interval(secs => $8))`,
      [projectId, id, pr, sha, approvals, key === '1.4' ? 'pending' : 'success', key === '1.4' ? ['ci'] : [], 30 - pr],
    );
  }
  await db.query(`INSERT INTO dependencies (project_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)`, [projectId, ids.get('1.2'), ids.get('1.1')]);
  return { projectId, ids };
}

describe('merge queue: one builder behind the API view and the runner', () => {
  it('with a repository requiring 2 approvals, GET /api/git/merge-queue and the runner agree on order and on what each waits for', async () => {
    const { projectId } = await fixture();
    const repoPath = `/repos/${OWNER}/${REPO}`;
    const gh = nock(API)
      .get(`${repoPath}/installation`)
      .reply(200, { id: INSTALLATION, account: { login: OWNER } })
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(201, { token: 'ghs_concepts', expires_at: '2999-01-01T00:00:00Z', permissions: {} })
      .get(/\/repos\/Codertocat\/Hello-World\/contents\/\.github(\/|%2F)fleet\.yml/)
      .reply(200, 'merge:\n  requiredApprovals: 2\n');

    const r = await s.call('GET', `/api/git/merge-queue?project=${OWNER}/${REPO}`);
    expect(r.status).toBe(200);
    gh.done();
    type Entry = { key: string; position: number; state: string; waits_for: { reason: string; detail: string }[]; approvals: { required: number } };
    const view = r.json.tasks as Entry[];

    // The runner, with the repository's config, orders the same live entries and records its words.
    const runner = new MergeQueueRunner(new MergeQueueStore(s.o.db));
    const ctx = { project: { id: projectId }, config: testConfig({ merge: { requiredApprovals: 2 } }) } as unknown as RepoCtx;
    const ordered = await runner.order(ctx, 'main');
    const ran = ordered.map((o) => ({ key: o.key, state: o.state, waitingFor: o.waitingFor }));

    expect(ran.map((o) => o.key)).toEqual(['1.1', '1.2', '1.4', '1.3']);
    expect(ran.find((o) => o.key === '1.3')!.waitingFor).toBe('waiting for 1 more approval (1 of 2)');
    expect(view.map((e) => e.key)).toEqual(ran.map((o) => o.key));
    expect(view.map((e) => e.state)).toEqual(ran.map((o) => o.state));
    expect(view.map((e) => (e.waits_for.length ? e.waits_for.map((w) => w.detail).join('; ') : null))).toEqual(ran.map((o) => o.waitingFor));
    expect(view.every((e) => e.approvals.required === 2)).toBe(true);
    // The positions the runner wrote are the ones the view shows.
    const again = (await s.call('GET', `/api/git/merge-queue?project=${OWNER}/${REPO}`)).json.tasks as (Entry & { queue: { position: number } })[];
    expect(again.map((e) => e.queue.position)).toEqual(again.map((e) => e.position));
  });

  it('a project the app is not installed on gets the default config; GitHub refusing to answer is a 503, not a guess', async () => {
    const db = s.o.db;
    const mk = async (owner: string, repo: string) => {
      const { rows } = await db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ($1, $2) RETURNING id`, [owner, repo]);
      await db.query(`INSERT INTO tasks (project_id, key, title, estimated_hours, status, pr_number) VALUES ($1, '1.1', 'x', 1, 'in_review', 7)`, [rows[0]!.id]);
    };
    await mk('local', 'example');
    await mk('acme', 'flaky');
    const gh = nock(API)
      .get('/repos/local/example/installation')
      .reply(404, { message: 'Not Found' })
      .get('/repos/acme/flaky/installation')
      .reply(403, { message: 'This installation has been suspended' });
    const local = await s.call('GET', '/api/git/merge-queue?project=local/example');
    expect(local.status).toBe(200);
    expect(local.json.tasks.map((e: { approvals: { required: number } }) => e.approvals.required)).toEqual([1]);
    // Remembered: asking again does not call GitHub (no mock left for it).
    expect((await s.call('GET', '/api/git/merge-queue?project=local/example')).status).toBe(200);
    const flaky = await s.call('GET', '/api/git/merge-queue?project=acme/flaky');
    expect(flaky.status).toBe(503);
    expect(flaky.json.error.message).toMatch(/configuration of acme\/flaky \(\.github\/fleet\.yml\) could not be read/);
    gh.done();
  });
});
