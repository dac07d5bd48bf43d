import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startDashboardBrowser, type DashboardBrowser } from '../support/dashboardBrowser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { dashboardRoutes } from '../../app/http/routes/dashboard.js';
import { completeTask, PLAN, PLAN_EPIC_DEPS, snapshotDaysAgo } from '../progress/helpers.js';

const ARTIFACTS = path.resolve('test/artifacts');
const routes = [progressRoutes, gitRoutes, dashboardRoutes];

/** The dashboard shows numbers as the API gives them, with at most two decimals. */
const shown = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 0 });

const text = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`).first().textContent();

describe('dashboard in a real browser', () => {
  let s: TestServer;
  let browser: Browser;
  let dash: DashboardBrowser | undefined;
  let agentId: number;
  const errors: string[] = [];

  beforeAll(async () => {
    ({ s, browser } = dash = await startDashboardBrowser('dashboard', routes));
    await insertProject(s.o.db, PLAN, 'acme/dash', PLAN_EPIC_DEPS);
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    const minted = await mintAgentToken(s.o.db, 'dash-agent', { capacity: 2 });
    agentId = minted.agentId;
    await s.call('POST', '/api/agents/heartbeat', { name: 'dash-agent', capacity: 2 }, minted.token);
    await completeTask(s, '1.1', agentId);
    await s.call('POST', '/api/progress/snapshot', {});
    await snapshotDaysAgo(s.o.db, 2, { tasks: 7, hours: 564 });
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await dash?.close();
  });

  it('shows the API numbers, updates live, reconnects, and never puts the token in a URL', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(s.url + '/');

    // Without a token the server refuses reads: the page says so.
    await page.locator('[data-testid="auth"]').waitFor({ state: 'visible' });
    await page.fill('#token', s.admin);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1);
    await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live');

    const api = (await s.call('GET', '/api/progress/summary')).json;
    expect(await text(page, 'overall-percent')).toBe(shown(api.overall.overall_percent));
    expect(await text(page, 'overall-percent')).toBe('1.42');
    expect(await text(page, 'hours-done')).toBe(shown(api.overall.hours_done));
    expect(await text(page, 'hours-total')).toBe(shown(api.overall.hours_total));
    expect(await text(page, 'tasks-done')).toBe(String(api.overall.tasks_by_status.done));
    expect(await text(page, 'active-agents')).toBe(String(api.overall.active_agents));
    expect(await text(page, 'velocity')).toBe(shown(api.overall.velocity_hours_per_day));
    expect(await text(page, 'eta-velocity')).toContain(api.overall.eta.by_velocity.date.slice(0, 10));
    for (const e of api.epics) {
      expect(await page.locator(`tr[data-epic="${e.epic}"] .epic-percent`).textContent()).toBe(`${shown(e.percent)}%`);
    }
    // The graph, with its critical path, and the agents table are drawn.
    expect(await page.locator('#graph g.node').count()).toBe(7);
    expect(await page.locator('#graph g.node.critical').count()).toBeGreaterThan(0);
    expect(await page.locator('tr[data-agent="dash-agent"]').textContent()).toContain('healthy');
    expect(await page.locator('#burndown path.remaining').count()).toBe(1);

    // Complete a task through the API: the page follows without a reload.
    await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 1));
    await completeTask(s, '1.2', agentId);
    const after = (await s.call('GET', '/api/progress/summary')).json;
    expect(after.overall.overall_percent).toBe(4.26);
    await page.waitForFunction((want) => document.querySelector('[data-testid="overall-percent"]')?.textContent === want, shown(after.overall.overall_percent), { timeout: 10_000 });
    expect(await text(page, 'tasks-done')).toBe('2');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: number }).__noReload)).toBe(1);

    // Evidence an agent adds shows in the feed, live.
    await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'test', summary: 'all green', url: 'https://ci.example/run/7' });
    await page.waitForFunction(() => document.querySelector('[data-testid="feed"]')?.textContent?.includes('all green'), undefined, { timeout: 10_000 });
    expect(await page.locator('[data-testid="feed"] a').first().getAttribute('href')).toBe('https://ci.example/run/7');

    // The server drops the socket: the page says so, reconnects, and catches up.
    for (const c of s.o.api.websocketServer.clients) c.terminate();
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="banner"]') as HTMLElement | null;
      return b && !b.hidden && b.textContent === 'disconnected — reconnecting';
    });
    await page.waitForFunction(() => (document.querySelector('[data-testid="banner"]') as HTMLElement).hidden, undefined, { timeout: 15_000 });
    await completeTask(s, '1.3', agentId);
    const last = (await s.call('GET', '/api/progress/summary')).json;
    await page.waitForFunction((want) => document.querySelector('[data-testid="overall-percent"]')?.textContent === want, shown(last.overall.overall_percent), { timeout: 10_000 });

    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // The token lives in this tab's sessionStorage only: never in a URL the page requested or shows.
    expect(page.url()).not.toContain(s.admin);
    expect(requested.filter((u) => u.includes(s.admin))).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('fleet.token'))).toBe(s.admin);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
    await page.close();
  });

  it('works read-only without a token when the server allows public reads', async () => {
    const pub = await startTestServer('dashboard_pub', { start: { routes }, env: { FLEET_PUBLIC_READ: 'true' } });
    try {
      await insertProject(pub.o.db, PLAN, 'acme/public', PLAN_EPIC_DEPS);
      const page = await browser.newPage();
      await page.goto(pub.url + '/');
      await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1);
      const api = (await pub.call('GET', '/api/progress/summary', undefined, null)).json;
      expect(await text(page, 'hours-total')).toBe(shown(api.overall.hours_total));
      expect(await page.locator('[data-testid="auth"]').isHidden()).toBe(true);
      await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live');
      await page.close();
    } finally {
      await pub.close();
    }
  });
});
