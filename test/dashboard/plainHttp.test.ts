import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { dashboardRoutes } from '../../app/http/routes/dashboard.js';
import { PLAN, PLAN_EPIC_DEPS } from '../progress/helpers.js';

/**
 * The hub on a VM is reached as http://<ip or name>:3000, not localhost. A CSP with
 * `upgrade-insecure-requests` (or HSTS) turns the page's own script and style into https requests
 * that fail there, and the dashboard stays blank. Neither is sent unless the public URL is https or
 * the request came over TLS through a proxy the server trusts.
 */

const CHROMIUM = '/usr/bin/chromium';
const routes = [progressRoutes, gitRoutes, dashboardRoutes];
const shown = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 0 });

describe('the dashboard over plain HTTP by a host name other than localhost', () => {
  let s: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: install it with "apt-get install -y chromium"`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--host-resolver-rules=MAP fleet.test 127.0.0.1',
      ],
    });
    s = await startTestServer('dash_plain_http', { start: { routes } });
    await insertProject(s.o.db, PLAN, 'acme/vm', PLAN_EPIC_DEPS);
    await s.o.engine.refreshAll();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('renders its numbers at http://fleet.test:<port>/', async () => {
    const port = new URL(s.url).port;
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(`http://fleet.test:${port}/`);
    await page.fill('#token', s.admin);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, undefined, { timeout: 15_000 });
    const api = (await s.call('GET', '/api/progress/summary')).json;
    expect(await page.locator('[data-testid="hours-total"]').textContent()).toBe(shown(api.overall.hours_total));
    expect(await page.locator('[data-testid="tasks-total"]').textContent()).toBe(String(api.overall.tasks_total ?? PLAN.length));
    expect(failed.filter((u) => u.startsWith('https:'))).toEqual([]);
    await page.close();
  });
});

describe('HSTS and upgrade-insecure-requests only where https is real', () => {
  const headers = async (env: Record<string, string>, send: Record<string, string> = {}) => {
    const s = await startTestServer('dash_tls_headers', { start: { routes }, env });
    try {
      const res = await fetch(`${s.url}/`, { headers: send });
      return { csp: res.headers.get('content-security-policy') ?? '', hsts: res.headers.get('strict-transport-security') };
    } finally {
      await s.close();
    }
  };

  it('sends neither over plain HTTP, even when a client claims https without a trusted proxy', async () => {
    const plain = await headers({});
    expect(plain.csp).toContain("default-src 'self'");
    expect(plain.csp).not.toContain('upgrade-insecure-requests');
    expect(plain.hsts).toBeNull();
    const spoofed = await headers({}, { 'x-forwarded-proto': 'https' });
    expect(spoofed.csp).not.toContain('upgrade-insecure-requests');
    expect(spoofed.hsts).toBeNull();
    const httpPublic = await headers({ FLEET_PUBLIC_URL: 'http://10.0.0.5:3000' });
    expect(httpPublic.hsts).toBeNull();
  });

  it('sends both when the public URL is https', async () => {
    const h = await headers({ FLEET_PUBLIC_URL: 'https://fleet.example.test' });
    expect(h.csp).toContain('upgrade-insecure-requests');
    expect(h.hsts).toMatch(/max-age=\d+/);
  });

  it('sends both for a request that came over TLS through a trusted proxy, and only for it', async () => {
    const tls = await headers({ FLEET_TRUST_PROXY: '127.0.0.1' }, { 'x-forwarded-proto': 'https' });
    expect(tls.csp).toContain('upgrade-insecure-requests');
    expect(tls.hsts).toMatch(/max-age=\d+/);
    const plain = await headers({ FLEET_TRUST_PROXY: 'true' }, { 'x-forwarded-proto': 'http' });
    expect(plain.csp).not.toContain('upgrade-insecure-requests');
    expect(plain.hsts).toBeNull();
    const untrusted = await headers({ FLEET_TRUST_PROXY: '10.1.2.3' }, { 'x-forwarded-proto': 'https' });
    expect(untrusted.hsts).toBeNull();
  });

  it('refuses a FLEET_TRUST_PROXY it cannot read', async () => {
    await expect(startTestServer('dash_tls_bad', { start: { routes }, env: { FLEET_TRUST_PROXY: 'yes please' } })).rejects.toThrow(/FLEET_TRUST_PROXY/);
  });
});
