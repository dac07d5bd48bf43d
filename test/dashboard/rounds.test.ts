import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDashboardBrowser, type DashboardBrowser } from '../support/dashboardBrowser.js';
import type { TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';


/**
 * Issue 14 on the dashboard, in a real browser: "the dashboard shows each task's round and PR
 * state". Two tasks are in review with PRs; the feedback loop has sent one back twice and its PR is
 * failing, the other's PR is approved on its first round. The page's merge-queue rows say so, as
 * the task API does.
 */
describe('dashboard: feedback round and PR state (real browser)', () => {
  let s: TestServer;
  let browser: Browser;
  let dash: DashboardBrowser | undefined;

  beforeAll(async () => {
    ({ s, browser } = dash = await startDashboardBrowser('dashboard_rounds'));
    const { projectId, ids } = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/rounds');
    await s.o.engine.refreshAll();
    for (const [key, pr] of [['1.1', 11], ['1.2', 12]] as const) {
      await s.o.engine.setStatus(ids.get(key)!, 'in_review', 'test');
      await s.o.engine.updateTask(ids.get(key)!, { prNumber: pr, branch: `fleet/${key}` });
      await s.o.db.query(
        `INSERT INTO evidence (project_id, task_id, type, ref, url, source, metadata) VALUES ($1, $2, 'pr', $3, $4, 'webhook', $5::jsonb)`,
        [projectId, ids.get(key), `sha${pr}`, `https://github.com/acme/rounds/pull/${pr}`, JSON.stringify({ action: 'opened', number: pr })],
      );
    }
    // What the feedback loop leaves behind: 1.1 went back twice and its PR fails; 1.2's PR is approved.
    await s.o.db.query(`UPDATE tasks SET round = 2, pr_state = 'failing' WHERE id = $1`, [ids.get('1.1')]);
    await s.o.db.query(`UPDATE tasks SET round = 0, pr_state = 'approved' WHERE id = $1`, [ids.get('1.2')]);
  });
  afterAll(async () => {
    await dash?.close();
  });

  it("shows each in-review task's round and PR state beside its PR, as the task API gives them", async () => {
    const api = (await s.call('GET', '/api/tasks?status=in_review&limit=500')).json.tasks as { key: string; round: number; pr_state: string | null }[];
    const byKey = new Map(api.map((t) => [t.key, t]));
    expect(byKey.get('1.1')).toMatchObject({ round: 2, pr_state: 'failing' });
    expect(byKey.get('1.2')).toMatchObject({ round: 0, pr_state: 'approved' });

    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(s.url + '/');
    await page.locator('[data-testid="auth"]').waitFor({ state: 'visible' });
    await page.fill('#token', s.admin);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1);

    const row = (key: string) => page.locator(`#queue tr[data-key="${key}"]`);
    await row('1.1').waitFor({ state: 'visible' });
    expect(await row('1.1').locator('small.pr-failing').textContent()).toBe(' failing · round 2');
    expect(await row('1.1').locator('a').first().textContent()).toBe('#11');
    expect(await row('1.2').locator('small.pr-approved').textContent()).toBe(' approved');
    expect(await row('1.2').textContent()).not.toContain('round');
    expect(errors).toEqual([]);
    await page.close();
  });
});
