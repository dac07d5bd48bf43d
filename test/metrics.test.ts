import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { startTestServer, type TestServer } from './support/server.js';
import type { Orchestrator } from '../app/server.js';
import { startReplicas, type Replicas } from './support/replicas.js';
import { insertProject } from './support/fixtures.js';
import { mintAgentToken } from '../app/http/auth.js';
import { metricsRoutes } from '../app/metrics/metricsRoutes.js';
import { githubApiMetrics } from '../app/metrics/githubApiMetrics.js';
import { webhookMetrics } from '../app/metrics/webhookMetrics.js';
import { fleetOctokitClass } from '../app/github/ingest/probot.js';
import { createSqlPort } from '../app/github/sqlPort.js';
import { engineHooks } from '../app/github/engineHooks.js';
import { dispatchReady } from '../app/github/dispatch/dispatchReady.js';
import { ConfigStore } from '../app/github/config.js';
import { PermissionCache } from '../app/github/commands/permissions.js';
import { FleetConfigSchema } from '../schema/fleetConfig.js';
import type { RepoCtx } from '../app/github/context.js';
import type { GitHubClient } from '../app/github/types.js';
import { privateKey } from './github/helpers.js';
import { parseExposition, sampleValue } from './runners/prometheusText.js';

const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
/** Before any task of these tests became ready: no ready → dispatch latency can be longer than since then. */
const readyFloor = Date.now();
/** Before any task of these tests became ready: no ready → dispatch latency can be longer than since then. */

async function scrape(s: TestServer, token: string | null = s.admin) {
  const r = await fetch(`${s.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

/** The value of one series after a scrape as the admin. */
async function value(s: TestServer, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const r = await scrape(s);
  expect(r.status).toBe(200);
  return sampleValue(parseExposition(r.text), name, labels);
}

describe.each([false, true])('GET /metrics (redis: %s)', (redis) => {
  let s: TestServer;
  const project = `acme/metrics-${redis ? 'r' : 'p'}`;
  beforeAll(async () => {
    const env = { FLEET_METRICS_TOKEN: METRICS_TOKEN };
    s = await startTestServer(`metrics_${redis}`, { redis, env, start: { routes: [metricsRoutes({ env })] } });
    await insertProject(s.o.db, [{ key: '1.1', cp: 30 }, { key: '1.2', deps: ['1.1'] }, { key: '2.1', cp: 5 }, { key: '3.1', cp: 1 }], project);
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
  });
  afterAll(() => s.close());

  it('needs a read token or the metrics token; the metrics token opens nothing else', async () => {
    const anonymous = await scrape(s, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toMatch(/token is required/);
    const wrong = await scrape(s, 'not-the-metrics-token');
    expect(wrong.status).toBe(401);
    expect(wrong.text).not.toContain('not-the-metrics-token');

    const admin = await scrape(s);
    expect(admin.status).toBe(200);
    expect(admin.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(admin.text).toMatch(/^# HELP fleet_claims_total /m);
    expect(admin.text).toMatch(/^# TYPE fleet_ready_tasks gauge$/m);

    const withMetricsToken = await scrape(s, METRICS_TOKEN);
    expect(withMetricsToken.status).toBe(200);
    expect(withMetricsToken.text).toMatch(/^fleet_ready_tasks\{/m);
    // Prometheus's credential is not an API credential.
    expect((await s.call('GET', '/api/tasks', undefined, METRICS_TOKEN)).status).toBe(401);
    expect((await s.call('POST', '/api/assignments/claim', { agent_id: 1 }, METRICS_TOKEN)).status).toBe(401);
  });

  it('an agent token reads /metrics like any API read', async () => {
    const { token } = await mintAgentToken(s.o.db, `reader-${redis}`);
    expect((await scrape(s, token)).status).toBe(200);
  });

  it('ready tasks per project match the ready list; claims count by result; agents by state', async () => {
    const ready = await s.call('GET', `/api/tasks/ready/list?project=${project}`);
    expect(ready.status).toBe(200);
    const readyNow = ready.json.tasks.length as number;
    expect(readyNow).toBe(3);
    expect(await value(s, 'fleet_ready_tasks', { project })).toBe(readyNow);

    const before = {
      claimed: (await value(s, 'fleet_claims_total', { result: 'claimed' })) ?? NaN,
      empty: (await value(s, 'fleet_claims_total', { result: 'empty' })) ?? NaN,
      refused: (await value(s, 'fleet_claims_total', { result: 'refused' })) ?? NaN,
    };
    expect(before.claimed).toBe(0);
    const name = `worker-${redis}`;
    const { token } = await mintAgentToken(s.o.db, name);
    const hb = await s.call('POST', '/api/agents/heartbeat', { name, pool: 'default', labels: [], capacity: 1, kind: 'vm' }, token);
    expect(hb.status).toBe(200);
    expect(await value(s, 'fleet_agents', { pool: 'default', state: 'idle' })).toBeGreaterThanOrEqual(1);

    const claim = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(claim.status).toBe(200);
    expect(await value(s, 'fleet_claims_total', { result: 'claimed' })).toBe(before.claimed + 1);
    expect(await value(s, 'fleet_ready_tasks', { project })).toBe(readyNow - 1);
    expect(await value(s, 'fleet_agents', { pool: 'default', state: 'busy' })).toBe(1);

    // At capacity: nothing handed out.
    const full = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(full.status).toBe(204);
    expect(await value(s, 'fleet_claims_total', { result: 'empty' })).toBe(before.empty + 1);

    const agentId = hb.json.agent.id as number;
    expect((await s.call('POST', `/api/agents/${agentId}/deactivate`)).status).toBe(200);
    const refused = await s.call('POST', '/api/assignments/claim', { agent_id: agentId });
    expect(refused.status).toBe(409);
    expect(await value(s, 'fleet_claims_total', { result: 'refused' })).toBe(before.refused + 1);
    expect(await value(s, 'fleet_agents', { pool: 'default', state: 'inactive' })).toBeGreaterThanOrEqual(1);
    // Deactivation released the claim: the task is ready again.
    expect(await value(s, 'fleet_ready_tasks', { project })).toBe(readyNow);
  });

  it('counts a lease that expires', async () => {
    const before = (await value(s, 'fleet_lease_expiries_total')) ?? NaN;
    const name = `sleeper-${redis}`;
    const { token } = await mintAgentToken(s.o.db, name);
    await s.call('POST', '/api/agents/heartbeat', { name, pool: 'default', labels: [], capacity: 1, kind: 'vm' }, token);
    const claim = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(claim.status).toBe(200);
    // The agent goes silent: its lease is made to lie in the past, then the sweep runs.
    await s.o.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [claim.json.assignment.id]);
    expect(await s.o.engine.sweepLeases()).toBe(1);
    expect(await value(s, 'fleet_lease_expiries_total')).toBe(before + 1);
  });

  it('reads the webhook queue and its lag from Postgres, and counts processed and failed deliveries', async () => {
    const insert = (id: string, ageSeconds: number, error: string | null = null) =>
      s.o.db.query(
        `INSERT INTO webhook_deliveries (delivery_id, event, payload, received_at, error, attempts)
         VALUES ($1, 'issues', '{}'::jsonb, now() - make_interval(secs => $2), $3, $4)`,
        [id, ageSeconds, error, error ? 1 : 0],
      );
    expect(await value(s, 'fleet_webhook_deliveries_queued')).toBe(0);
    expect(await value(s, 'fleet_webhook_lag_seconds')).toBe(0);
    await insert(`m-${redis}-1`, 90);
    await insert(`m-${redis}-2`, 5);
    await insert(`m-${redis}-3`, 600, 'HttpError: Not Found');
    expect(await value(s, 'fleet_webhook_deliveries_queued')).toBe(2);
    expect(await value(s, 'fleet_webhook_deliveries_failed')).toBe(1);
    // The oldest waiting delivery is 90 s old (the failed one waits for its retry, not in the lag).
    const lag = (await value(s, 'fleet_webhook_lag_seconds')) ?? NaN;
    expect(lag).toBeGreaterThanOrEqual(90);
    expect(lag).toBeLessThan(600);
    await s.o.db.query(`UPDATE webhook_deliveries SET processed_at = now() WHERE delivery_id = ANY($1)`, [[`m-${redis}-1`, `m-${redis}-2`]]);
    expect(await value(s, 'fleet_webhook_deliveries_queued')).toBe(0);
    expect(await value(s, 'fleet_webhook_lag_seconds')).toBe(0);

    const processed = (await value(s, 'fleet_webhook_deliveries_processed_total', { event: 'issues' })) ?? 0;
    const failed = (await value(s, 'fleet_webhook_delivery_failures_total', { event: 'push' })) ?? 0;
    webhookMetrics.processed('issues');
    webhookMetrics.failed('push');
    expect(await value(s, 'fleet_webhook_deliveries_processed_total', { event: 'issues' })).toBe(processed + 1);
    expect(await value(s, 'fleet_webhook_delivery_failures_total', { event: 'push' })).toBe(failed + 1);
  });

  it('times ready → workflow_dispatch, and counts GitHub calls and the rate limit per installation', async () => {
    const installation = 4200 + (redis ? 1 : 0);
    const [owner, repo] = project.split('/') as [string, string];
    const api = 'https://api.github.com';
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    const scopes = [
      nock(api).post(`/app/installations/${installation}/access_tokens`).reply(201, { token: 'ghs_metrics', expires_at: '2999-01-01T00:00:00Z', permissions: {} }),
      nock(api)
        .post(`/repos/${owner}/${repo}/actions/workflows/fleet-agent.yml/dispatches`)
        .reply(200, { workflow_run_id: 77, run_url: `${api}/repos/${owner}/${repo}/actions/runs/77`, html_url: `https://github.com/${owner}/${repo}/actions/runs/77` }, {
          'x-ratelimit-remaining': '4987',
          'x-ratelimit-limit': '5000',
          'x-ratelimit-resource': 'core',
        }),
      nock(api).get(`/repos/${owner}/${repo}/branches/no-such-branch`).reply(404, { message: 'Branch not found' }, { 'x-ratelimit-remaining': '4986', 'x-ratelimit-limit': '5000' }),
    ];
    try {
      // The installation client exactly as Probot makes it, from the orchestrator's Octokit class.
      const Octokit = fleetOctokitClass({ enabled: false }, { enabled: false }).plugin(githubApiMetrics);
      const gh = new Octokit({ auth: { appId: 1, privateKey: privateKey(), installationId: installation }, baseUrl: api }) as unknown as GitHubClient;
      const port = createSqlPort(s.o.db, { engine: engineHooks(s.o.engine) });
      const p = await port.ensureProject({ owner, repo, installationId: installation });
      const ctx: RepoCtx = {
        gh,
        owner,
        repo,
        project: p,
        config: FleetConfigSchema.parse({ pools: [{ name: 'default', capacity: 1 }] }),
        deliveryId: 'metrics-test',
        installationId: installation,
        log: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as unknown as RepoCtx['log'],
        deps: { port, configs: new ConfigStore(), permissions: new PermissionCache(), orchestratorUrl: 'https://fleet.example.test' },
      };
      const countBefore = (await value(s, 'fleet_dispatch_latency_seconds_count')) ?? NaN;
      const sumBefore = (await value(s, 'fleet_dispatch_latency_seconds_sum')) ?? NaN;
      const sent = await dispatchReady(ctx);
      expect(sent.map((d) => d.workflowRunId)).toEqual([77]);
      expect(await value(s, 'fleet_dispatch_latency_seconds_count')).toBe(countBefore + 1);
      const observed = ((await value(s, 'fleet_dispatch_latency_seconds_sum')) ?? NaN) - sumBefore;
      expect(observed).toBeGreaterThanOrEqual(0);
      expect(observed).toBeLessThanOrEqual((Date.now() - readyFloor) / 1000);

      await expect(gh.request('GET /repos/{owner}/{repo}/branches/{branch}', { owner, repo, branch: 'no-such-branch' })).rejects.toMatchObject({ status: 404 });
      const inst = String(installation);
      expect(await value(s, 'fleet_github_api_requests_total', { installation: inst, status: '200' })).toBeGreaterThanOrEqual(1);
      expect(await value(s, 'fleet_github_api_requests_total', { installation: inst, status: '404' })).toBe(1);
      expect(await value(s, 'fleet_github_rate_limit_remaining', { installation: inst, resource: 'core' })).toBe(4986);
      expect(await value(s, 'fleet_github_rate_limit_limit', { installation: inst, resource: 'core' })).toBe(5000);
      for (const sc of scopes) expect(sc.isDone()).toBe(true);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
    }
  });

  it('answers 503, not 500, when the database cannot be read', async () => {
    const other = await startTestServer(`metrics_down_${redis}`, { redis, start: { routes: [metricsRoutes({ env: {} })] } });
    try {
      // A table the scrape reads is gone: the read fails as it would with Postgres down.
      await other.o.db.query(`DROP TABLE webhook_deliveries`);
      const r = await scrape(other);
      expect(r.status).toBe(503);
      expect(JSON.parse(r.text).error.message).toMatch(/database/);
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics with FLEET_PUBLIC_READ', () => {
  it('is readable without a token, like the rest of the read API', async () => {
    const s = await startTestServer('metrics_public', { env: { FLEET_PUBLIC_READ: 'true' }, start: { routes: [metricsRoutes({ env: {} })] } });
    try {
      const r = await scrape(s, null);
      expect(r.status).toBe(200);
      expect(r.text).toMatch(/^# TYPE fleet_agents gauge$/m);
    } finally {
      await s.close();
    }
  });

  it('refuses a metrics token shorter than 16 characters at start', () => {
    expect(() => metricsRoutes({ env: { FLEET_METRICS_TOKEN: 'short' } })).toThrow(/FLEET_METRICS_TOKEN: expected at least 16 characters/);
  });
});


// Replicas share one Postgres and one Redis event bus: each replica receives every replica's
// events, so an event must be counted where it happened, not where it was received.
describe('GET /metrics on two replicas', () => {
  let replicas: Replicas;
  let a: Orchestrator;
  let b: Orchestrator;
  beforeAll(async () => {
    replicas = await startReplicas('metrics_multi', { admin: METRICS_TOKEN + '-admin', routes: () => [metricsRoutes()] });
    ({ a, b } = replicas);
    await insertProject(a.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/replicas');
    await a.engine.refreshAll();
    await a.engine.rebuildQueue();
  });
  afterAll(() => replicas?.close());

  const scrapeOf = async (o: Orchestrator) => {
    const r = await fetch(`${o.url}/metrics`, { headers: { authorization: `Bearer ${o.adminToken}` } });
    expect(r.status).toBe(200);
    return parseExposition(await r.text());
  };

  it('counts a claim and a lease expiry once over all replicas, and reports the same ready gauge on each', async () => {
    const seenByB = new Promise<void>((done) => {
      const off = b.engine.events.subscribe((e) => {
        if (e.type === 'lease.expired') {
          off();
          done();
        }
      });
    });
    const claim = await a.engine.claimForPool({ name: 'default' });
    expect(claim).not.toBeNull();
    await a.db.query(`UPDATE assignments SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [claim!.assignment.id]);
    expect(await a.engine.sweepLeases()).toBe(1);
    await seenByB; // the expiry reached the other replica through Redis
    const [sa, sb] = [await scrapeOf(a), await scrapeOf(b)];
    const both = (name: string, labels: Record<string, string> = {}) => (sampleValue(sa, name, labels) ?? 0) + (sampleValue(sb, name, labels) ?? 0);
    expect(both('fleet_lease_expiries_total')).toBe(1);
    expect(both('fleet_claims_total', { result: 'claimed' })).toBe(1);
    expect(sampleValue(sa, 'fleet_ready_tasks', { project: 'acme/replicas' })).toBe(2);
    expect(sampleValue(sb, 'fleet_ready_tasks', { project: 'acme/replicas' })).toBe(2);
  });
});
