import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDashboardBrowser, type DashboardBrowser } from '../support/dashboardBrowser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject, type FixtureTask } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { forecastRoutes } from '../../app/http/routes/forecast.js';
import { dashboardRoutes } from '../../app/http/routes/dashboard.js';
import { storeBaseline } from '../../app/progress/forecast/storeBaseline.js';
import { completeTask, PLAN, PLAN_EPIC_DEPS, snapshotDaysAgo } from '../progress/helpers.js';

const ARTIFACTS = path.resolve('test/artifacts');

/** The small plan, plus a 30-task chain in epic 4 (12 h each): the critical path, 30 layers wide. */
const CHAIN: FixtureTask[] = Array.from({ length: 30 }, (_, i) => ({ key: `4.${i + 1}`, hours: 12, cp: 12 * (30 - i), deps: i ? [`4.${i}`] : [] }));

describe('dashboard forecast, plan against actual, graph (real browser)', () => {
  let s: TestServer;
  let browser: Browser;
  let dash: DashboardBrowser | undefined;

  beforeAll(async () => {
    ({ s, browser } = dash = await startDashboardBrowser('dashboard_fc'));
    const { projectId } = await insertProject(s.o.db, [...PLAN, ...CHAIN], 'acme/plan', PLAN_EPIC_DEPS);
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    await storeBaseline(s.o.db, projectId, { reason: 'seed', agents: 4 });
    const minted = await mintAgentToken(s.o.db, 'fc-agent', { capacity: 2 });
    await s.call('POST', '/api/agents/heartbeat', { name: 'fc-agent', capacity: 2 }, minted.token);
    await completeTask(s, '1.1', minted.agentId);
    await s.call('POST', '/api/progress/snapshot', {});
    await snapshotDaysAgo(s.o.db, 1, { tasks: 37, hours: 924 });
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await dash?.close();
  });

  it('shows the band and the baseline, redraws P50 for a what-if agent count, and fits the critical path in view', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    await page.goto(s.url + '/');
    await page.fill('#token', s.admin);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => Number(document.body.dataset.forecasts ?? 0) >= 1, undefined, { timeout: 20_000 });

    // The forecast band (P10–P90), its P50 line and the planned burndown from the baseline are drawn.
    const band = page.locator('#burndown polygon.band[data-testid="forecast-band"]');
    expect(await band.count()).toBe(1);
    expect((await band.getAttribute('points'))!.trim().split(/\s+/).length).toBe(2 * 41);
    expect(await page.locator('#burndown path.p50').count()).toBe(1);
    const planned = page.locator('#burndown path.planned[data-testid="baseline-line"]');
    expect(await planned.count()).toBe(1);
    expect(Number(await planned.getAttribute('data-points'))).toBeGreaterThan(2);
    expect(await page.locator('#burndown path.remaining').count()).toBe(1);
    expect(await page.locator('[data-testid="baseline-note"]').textContent()).toMatch(/4 agent\(s\)/);

    // P50 as the API gives it (the active agent's 2 slots).
    const api = (await s.call('GET', '/api/progress/forecast?project=acme/plan')).json;
    expect(api.agents).toEqual({ count: 2, source: 'active_agents' });
    expect(await page.locator('[data-testid="forecast-p50"]').textContent()).toBe(`${api.p50.date.slice(0, 10)} (${Math.round(api.p50.hours).toLocaleString('en-US')} h)`);
    // Tasks against the plan: slack and ahead/behind per remaining task.
    const last = api.tasks.find((t: { key: string }) => t.key === '4.30');
    expect(await page.locator('#slack tr[data-task="4.30"] .slack-hours').textContent()).toBe(`${last.slack_hours.toLocaleString('en-US', { maximumFractionDigits: 1 })} h`);
    expect(await page.locator('#slack tr[data-task="4.30"] .critical-share').textContent()).toBe(`${Math.round(last.critical_share * 100)}%`);
    expect(await page.locator('#slack tr[data-task]').count()).toBeGreaterThanOrEqual(36);
    // The most often critical task heads the table.
    const top = Math.max(...api.tasks.map((t: { critical_share: number }) => t.critical_share));
    expect(await page.locator('#slack tr[data-task] .critical-share').first().textContent()).toBe(`${Math.round(top * 100)}%`);

    // What-if: 16 agents redraws P50 from the API's answer for 16.
    const before = await page.locator('[data-testid="forecast-p50"]').textContent();
    const drawnBefore = Number(await page.evaluate(() => document.body.dataset.forecasts));
    await page.click('#whatif button[data-agents="16"]');
    await page.waitForFunction((n) => Number(document.body.dataset.forecasts) > n, drawnBefore);
    const sixteen = (await s.call('GET', '/api/progress/forecast?project=acme/plan&agents=16')).json;
    expect(sixteen.p50.hours).toBeLessThan(api.p50.hours);
    const after = await page.locator('[data-testid="forecast-p50"]').textContent();
    expect(after).not.toBe(before);
    expect(after).toBe(`${sixteen.p50.date.slice(0, 10)} (${Math.round(sixteen.p50.hours).toLocaleString('en-US')} h)`);
    expect(await page.locator('[data-testid="forecast-agents"]').textContent()).toBe('16 (what-if)');
    // A typed count works too, and a bad one is refused in words.
    await page.fill('#whatif-agents', '0');
    await page.press('#whatif-agents', 'Enter');
    await page.waitForFunction(() => !(document.getElementById('whatif-error') as HTMLElement).hidden);
    expect(await page.locator('#whatif-error').textContent()).toBe('agents: a whole number from 1 to 10000');

    // The critical path's last node is inside the visible graph panel.
    const graph = (await s.call('GET', '/api/progress/graph?project=acme/plan')).json;
    const lastKey = graph.critical_path.keys.at(-1);
    expect(lastKey).toBe('4.30');
    const node = await page.locator(`#graph g.node[data-key="${lastKey}"]`).boundingBox();
    const panel = await page.locator('#graph-panel').boundingBox();
    expect(node).not.toBeNull();
    expect(node!.x).toBeGreaterThanOrEqual(panel!.x);
    expect(node!.y).toBeGreaterThanOrEqual(panel!.y);
    expect(node!.x + node!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
    expect(node!.y + node!.height).toBeLessThanOrEqual(panel!.y + panel!.height);

    // Fixes found in use: the epic percent says %, the velocity's unit sits with its number, utilisation says what it is.
    expect(await page.locator('tr[data-epic="1"] .epic-percent').textContent()).toMatch(/^[\d.]+%$/);
    expect(await page.locator('[data-testid="velocity"]').textContent()).toMatch(/^[\d.,]+$/);
    expect(await page.locator('#velocity-unit').isVisible()).toBe(true);
    expect(await page.locator('[data-testid="utilisation-header"]').textContent()).toContain('busy ÷ registered time, last 24 h');

    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-forecast.png'), fullPage: true });
    await page.close();
  });

  it('says "no history yet" without a unit glued to it', async () => {
    const fresh = await startTestServer('dashboard_fc_new', { start: { routes: [progressRoutes, gitRoutes, forecastRoutes, dashboardRoutes] } });
    try {
      await insertProject(fresh.o.db, PLAN, 'acme/new', PLAN_EPIC_DEPS);
      const page = await browser.newPage();
      await page.goto(fresh.url + '/');
      await page.fill('#token', fresh.admin);
      await page.click('#token-form button[type="submit"]');
      await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1);
      const dd = await page.locator('[data-testid="velocity"]').locator('xpath=..').innerText();
      expect(dd.trim()).toBe('no history yet: snapshots build it');
      // No baseline stored: the page says how one comes about; the forecast is still there (16 agents, local).
      expect(await page.locator('[data-testid="baseline-note"]').textContent()).toMatch(/no baseline yet/);
      expect(await page.locator('[data-testid="forecast-agents"]').textContent()).toBe('16 (default for a local project)');
      await page.close();
    } finally {
      await fresh.close();
    }
  });
});
