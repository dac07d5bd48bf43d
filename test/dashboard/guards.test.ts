import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startDashboardBrowser, type DashboardBrowser } from '../support/dashboardBrowser.js';
import type { TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { guardsFor } from '../../app/guards/guardsFor.js';
import { guardCommands } from '../../app/guards/guardCommands.js';

const ARTIFACTS = path.resolve('test/artifacts');

/**
 * Issue 15 on the dashboard, in a real browser: the guard card of a project that is paused, whose
 * pool circuit is open, with a task held because its budget is spent, money spent today against a
 * daily budget, and an issue body edited by someone without write access. Everything is set up
 * through the API and the guard rails themselves, then read from the page as a person sees it.
 */
describe('dashboard guard card (real browser)', () => {
  let s: TestServer;
  let browser: Browser;
  let dash: DashboardBrowser | undefined;
  let heldKey = '';
  let openUntil = '';

  beforeAll(async () => {
    ({ s, browser } = dash = await startDashboardBrowser('dashboard_guards'));
    const { projectId, ids } = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], 'acme/guarded');
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();

    // A task budget of $1, an epic budget of $4 and a daily budget of $10; one run spends $1.50 and is stopped on it.
    expect((await s.call('PUT', '/api/projects/acme%2Fguarded/budgets', { perTaskUsd: 1, perEpicUsd: 4, perDayUsd: 10 })).status).toBe(200);
    const { token } = await mintAgentToken(s.o.db, 'guard-dash', { capacity: 2 });
    const claim = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(claim.status).toBe(200);
    heldKey = claim.json.task.key;
    const { id } = claim.json.assignment;
    const epoch = claim.json.lease.epoch;
    const usage = await s.call('POST', `/api/assignments/${id}/usage`, { epoch, cost_usd: 1.5, input_tokens: 5000, output_tokens: 800, turns: 4 }, token);
    expect(usage.json).toMatchObject({ stop: true, reason: 'budget' });
    expect((await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'failed', exit_reason: 'budget', notes: 'budget' }, token)).status).toBe(200);

    // The gpu pool failed five times in a row: its circuit is open for the cool-down.
    const guards = guardsFor({ db: s.o.db, engine: s.o.engine });
    for (let i = 0; i < 5; i++) await guards.recordEnding(projectId, 'gpu', i % 2 ? 'agent_error' : 'rate_limited');
    const circuit = (await guards.circuits(projectId)).find((c) => c.pool === 'gpu')!;
    expect(circuit.status).toBe('open');
    openUntil = circuit.open_until!;

    // An outsider edited the issue body of task 1.3.
    await s.o.db.query(`UPDATE tasks SET issue_number = 73 WHERE id = $1`, [ids.get('1.3')]);
    await guardCommands({ db: s.o.db, engine: s.o.engine }).flagUntrustedEdit(projectId, 73, 'mallory');

    // And the project is paused (drain).
    expect((await s.call('POST', '/api/projects/acme%2Fguarded/pause')).json).toMatchObject({ paused: true, mode: 'drain' });
    await mkdir(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await dash?.close();
  });

  it('shows the pause, the open circuit with its end, the budget hold, the spend and what is left of the budget, and the untrusted edit', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1600 } });
    const errors: string[] = [];
    // Script errors only: before the token the API answers 401, and a project without a baseline 404.
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(s.url + '/');
    await page.fill('#token', s.admin);
    await page.click('#token-form button[type="submit"]');
    await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, undefined, { timeout: 20_000 });
    const card = page.locator('[data-testid="guards"]');
    await card.locator('[data-testid="circuit-open"]').first().waitFor({ state: 'visible' });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-guards.png'), fullPage: true });

    const text = (id: string) => card.locator(`[data-testid="${id}"]`).allTextContents();
    expect(await text('guards-paused')).toEqual(['paused (drain)']);
    expect(await text('spend-day')).toEqual(['$1.50']);
    expect(await text('spend-left')).toEqual(['$8.50']);
    expect(await text('spend-total')).toEqual(['$1.50']);
    expect(await text('spend-rate')).toEqual([expect.stringMatching(/^\$\d+\.\d\d\/h$/)]);

    // The end of the cool-down as the browser writes a time of day.
    const until = await page.evaluate((iso) => new Date(iso).toLocaleTimeString(), openUntil);
    expect(await text('circuit-open')).toEqual([`pool gpu: circuit open until ${until} (last failure rate_limited)`]);

    const held = await text('held-task');
    expect(held).toContain(`task ${heldKey} held: budget`);
    // The pause holds the other pending tasks, with their own reason.
    expect(held.filter((h) => h.endsWith('held: paused'))).toHaveLength(2);
    expect(await text('task-spend')).toEqual([`task ${heldKey}: $1.50, $0.00 left`]);
    expect(await text('epic-spend')).toEqual(['epic 1: $1.50, $2.50 left']);
    expect(await text('untrusted-edit')).toEqual(['task 1.3: issue body edited by mallory without write access (agents get the synced plan text)']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('GET /api/progress/summary carries the same rollups per task, epic, project and day', async () => {
    const sum = await s.call('GET', '/api/progress/summary?project=acme%2Fguarded');
    expect(sum.status).toBe(200);
    const view = await s.call('GET', '/api/projects/acme%2Fguarded/guards');
    expect(sum.json.spend).toEqual(view.json.spend);
    expect(sum.json.spend.project).toMatchObject({ spend_usd: 1.5, day_usd: 1.5, budget_left: { day: 8.5 } });
    expect(sum.json.spend.epics).toEqual([{ epic_id: expect.any(Number), key: '1', spend_usd: 1.5, budget_left_usd: 2.5 }]);
    expect(sum.json.spend.tasks).toEqual([expect.objectContaining({ key: heldKey, spend_usd: 1.5, input_tokens: 5000, output_tokens: 800, budget_left: { task: 0 } })]);
  });
});
