import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import type { TestServer } from './support/server.js';
import { startAppServer, webhookSignature } from './support/appServer.js';
import { metricsRoutes } from '../app/metrics/metricsRoutes.js';
import { API, INSTALLATION, OWNER, REPO, example } from './github/helpers.js';
import { parseExposition, sampleValue } from './runners/prometheusText.js';

const SECRET = 'metrics-github-secret';
const sign = (body: string) => webhookSignature(body, SECRET);

// The App as mounted on the real server: a signed delivery goes through the processor and the
// handlers' installation client, and /metrics shows the delivery and the GitHub calls it made.
describe('GET /metrics with the GitHub App mounted', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAppServer('metrics_gh', SECRET, { routes: [metricsRoutes({ env: {} })] });
  });
  afterAll(async () => {
    await s.close();
  });

  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const r = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.admin}` } });
    expect(r.status).toBe(200);
    return sampleValue(parseExposition(await r.text()), name, labels);
  };

  it('counts the processed delivery, and the installation\'s GitHub calls with its rate limit', async () => {
    const scopes = [
      nock(API)
        .post(`/app/installations/${INSTALLATION}/access_tokens`)
        .reply(201, { token: 'ghs_metrics', expires_at: '2999-01-01T00:00:00Z', permissions: {} }),
      // No .github/fleet.yml: the defaults apply.
      nock(API)
        .get(`/repos/${OWNER}/${REPO}/contents/${encodeURIComponent('.github/fleet.yml')}`)
        .query(true)
        .reply(404, { message: 'Not Found' }, { 'x-ratelimit-remaining': '4321', 'x-ratelimit-limit': '5000', 'x-ratelimit-resource': 'core' }),
    ];
    const payload = example<Record<string, unknown>>('issues', 'labeled');
    payload.installation = { id: INSTALLATION };
    const body = JSON.stringify(payload);
    const res = await fetch(`${s.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-delivery': 'metrics-gh-1', 'x-github-event': 'issues', 'x-hub-signature-256': sign(body) },
      body,
    });
    expect(res.status).toBe(202);
    const deadline = Date.now() + 15_000;
    let processed: number | undefined;
    while (Date.now() < deadline && (processed = await metric('fleet_webhook_deliveries_processed_total', { event: 'issues' })) !== 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(processed).toBe(1);
    expect(await metric('fleet_webhook_deliveries_queued')).toBe(0);
    const inst = String(INSTALLATION);
    expect(await metric('fleet_github_api_requests_total', { installation: inst, status: '404' })).toBe(1);
    expect(await metric('fleet_github_rate_limit_remaining', { installation: inst, resource: 'core' })).toBe(4321);
    for (const sc of scopes) expect(sc.isDone()).toBe(true);
  });
});
