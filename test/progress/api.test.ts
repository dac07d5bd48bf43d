import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { dashboardRoutes } from '../../app/http/routes/dashboard.js';
import { registerStatusCommand } from '../../app/cli/statusCommand.js';
import { compactRollup } from '../../app/progress/store.js';
import { completeTask, PLAN, PLAN_EPIC_DEPS, PLAN_HOURS, snapshotDaysAgo } from './helpers.js';
import { freePort } from '../support/privateServices.js';

describe('progress and git API', () => {
  let s: TestServer;
  let ids: Map<string, number>;
  let projectId: number;
  let agentId: number;
  let agentToken: string;

  beforeAll(async () => {
    s = await startTestServer('progress_api', { start: { routes: [progressRoutes, gitRoutes, dashboardRoutes] } });
  });
  afterAll(() => s?.close());

  // Every test starts from the same fresh plan and one idle agent, and builds what it needs on
  // top: none depends on what another left behind, so they pass in any order or alone.
  beforeEach(async () => {
    await s.o.db.query('DELETE FROM projects');
    await s.o.db.query('DELETE FROM agents');
    // Deleted projects leave negative rollup deltas until compaction drops them.
    await compactRollup(s.o.db);
    ({ ids, projectId } = await insertProject(s.o.db, PLAN, 'acme/progress', PLAN_EPIC_DEPS));
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    const minted = await mintAgentToken(s.o.db, 'worker-1', { capacity: 2 });
    agentToken = minted.token;
    agentId = minted.agentId;
  });

  /** worker-1 is alive and has finished 1.1 (8 of 564 hours). */
  const oneDone = async () => {
    expect((await s.call('POST', '/api/agents/heartbeat', { name: 'worker-1', pool: 'default', capacity: 2 }, agentToken)).status).toBe(200);
    await completeTask(s, '1.1', agentId);
  };
  /** …and two snapshots: nothing done two days ago, 8 h done now (4 h/day). */
  const withVelocity = async () => {
    await oneDone();
    expect((await s.call('POST', '/api/progress/snapshot', {})).status).toBe(201);
    await snapshotDaysAgo(s.o.db, 2, { tasks: 7, hours: 564 }, projectId);
  };
  /** …and holds 1.2. */
  const holding12 = async () => {
    await oneDone();
    expect((await s.call('POST', '/api/assignments', { task_id: ids.get('1.2'), agent_id: agentId })).status).toBe(201);
  };

  it('needs a token to read, validates the project and 404s an unknown one', async () => {
    expect((await s.call('GET', '/api/progress/summary', undefined, null)).status).toBe(401);
    const bad = await s.call('GET', '/api/progress/summary?project=not-a-repo');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/project: expected owner\/repo/);
    expect((await s.call('GET', '/api/progress/summary?project=nobody/nothing')).status).toBe(404);
    expect((await s.call('GET', '/api/progress/summary?bogus=1')).status).toBe(400);
  });

  it('summarises a fresh plan: nothing done, no velocity, no agents, so no ETA', async () => {
    const r = await s.call('GET', '/api/progress/summary?project=acme/progress');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(['spend', 'epics', 'overall']);
    expect(r.json.overall).toMatchObject({
      hours_done: 0,
      hours_total: PLAN_HOURS,
      overall_percent: 0,
      velocity_hours_per_day: null,
      active_agents: 0,
      eta: { by_velocity: null, by_simulation: null },
    });
    expect(r.json.overall.tasks_by_status).toEqual({ pending: 7, assigned: 0, in_progress: 0, in_review: 0, done: 0, failed: 0, cancelled: 0 });
    expect(r.json.epics.map((e: { epic: string; hours_total: number }) => [e.epic, e.hours_total])).toEqual([
      ['1', 64],
      ['2', 300],
      ['3', 200],
    ]);
    expect(r.json.epics[0]).toMatchObject({ title: 'Epic 1', percent: 0, hours_done: 0 });
  });

  it('8 of 564 hours done is 1.42%, weighted by hours per epic and overall', async () => {
    await oneDone();
    const r = await s.call('GET', '/api/progress/summary');
    expect(r.json.overall.overall_percent).toBe(1.42);
    expect(r.json.overall.hours_done).toBe(8);
    expect(r.json.overall.tasks_by_status.done).toBe(1);
    expect(r.json.epics[0]).toMatchObject({ epic: '1', percent: 12.5, hours_done: 8, hours_total: 64 });
    expect(r.json.overall.active_agents).toBe(1);
    // With an agent alive the simulation forecasts, at estimate pace until there is a velocity.
    const sim = r.json.overall.eta.by_simulation;
    expect(sim).toMatchObject({ basis: 'estimate_pace', workers: 2, stuck_tasks: 0 });
    expect(sim.hours).toBeGreaterThan(0);
    expect(Date.parse(sim.date)).toBeGreaterThan(Date.now());
    expect(r.json.overall.eta.by_velocity).toBeNull();
  });

  it('keeps the incremental tallies equal to a full count through every kind of change', async () => {
    await oneDone();
    const e = s.o.engine;
    await e.setStatus(ids.get('3.2')!, 'cancelled', 'test');
    await e.updateTask(ids.get('3.1')!, { estimatedHours: 130 });
    await e.setStatus(ids.get('2.1')!, 'in_review', 'test');
    await s.o.db.query(`UPDATE tasks SET epic_id = NULL WHERE id = $1`, [ids.get('1.3')]);
    await s.o.db.query(`INSERT INTO tasks (project_id, epic_id, key, title, estimated_hours) SELECT project_id, epic_id, '3.9', 'late', 5 FROM tasks WHERE id = $1`, [ids.get('3.1')]);
    const check = async () => {
      const { rows } = await s.o.db.query<{ status: string; n: number; h: number }>(
        `SELECT status, count(*)::int AS n, sum(estimated_hours)::float8 AS h FROM tasks WHERE project_id = $1 GROUP BY status`,
        [projectId],
      );
      const r = await s.call('GET', '/api/progress/summary?project=acme/progress');
      for (const row of rows) expect(r.json.overall.tasks_by_status[row.status]).toBe(row.n);
      const uncancelled = rows.filter((x) => x.status !== 'cancelled').reduce((n, x) => n + x.h, 0);
      expect(r.json.overall.hours_total).toBe(uncancelled);
      const ep3 = r.json.epics.find((x: { epic: string }) => x.epic === '3');
      expect(ep3.hours_total).toBe(135);
      expect(ep3.tasks_by_status.cancelled).toBe(1);
      expect(r.json.epics.find((x: { epic: string }) => x.epic === '1').hours_total).toBe(24);
    };
    await check();
    await compactRollup(s.o.db);
    await check();
    // Undo each change: the tallies come back to the plan's.
    await s.o.db.query(`DELETE FROM tasks WHERE project_id = $1 AND key = '3.9'`, [projectId]);
    await s.o.db.query(`UPDATE tasks SET epic_id = (SELECT epic_id FROM tasks WHERE id = $2) WHERE id = $1`, [ids.get('1.3'), ids.get('1.2')]);
    await e.updateTask(ids.get('3.1')!, { estimatedHours: 120 });
    await e.setStatus(ids.get('3.2')!, 'pending', 'test');
    await e.setStatus(ids.get('2.1')!, 'pending', 'test');
    const back = await s.call('GET', '/api/progress/summary');
    expect(back.json.overall.hours_total).toBe(PLAN_HOURS);
    expect(back.json.overall.overall_percent).toBe(1.42);
  });

  it('velocity comes from snapshots over the window, and gives the ETA by velocity', async () => {
    await oneDone();
    expect((await s.call('POST', '/api/progress/snapshot', {}, null)).status).toBe(401);
    const snap = await s.call('POST', '/api/progress/snapshot', {});
    expect(snap.status).toBe(201);
    expect(snap.json.snapshots).toHaveLength(1);
    expect(snap.json.snapshots[0]).toMatchObject({ project_id: projectId, hours_done: 8, hours_total: PLAN_HOURS, tasks_done: 1, tasks_total: 7 });
    // Two days ago nothing was done: 8 h in 2 days is 4 h/day; 556 h remain, so 139 days.
    await snapshotDaysAgo(s.o.db, 2, { tasks: 7, hours: 564 }, projectId);
    const r = await s.call('GET', '/api/progress/summary');
    expect(r.json.overall.velocity_hours_per_day).toBeCloseTo(4, 1);
    const eta = r.json.overall.eta.by_velocity;
    expect(eta.hours).toBe(556);
    expect(eta.days).toBeCloseTo(139, 0);
    expect(Math.abs(Date.parse(eta.date) - (Date.now() + eta.days * 86_400_000))).toBeLessThan(120_000);
    expect(r.json.overall.eta.by_simulation.basis).toBe('observed_rate');
  });

  it('history: burndown points in time order, bounded limit, since, 404 and 400', async () => {
    await withVelocity();
    const h = await s.call('GET', `/api/progress/history/${projectId}`);
    expect(h.status).toBe(200);
    expect(h.json.snapshots.length).toBe(2);
    expect(Date.parse(h.json.burndown[0].at)).toBeLessThan(Date.parse(h.json.burndown[1].at));
    expect(h.json.burndown[1]).toMatchObject({ hours_remaining: 556, hours_done: 8, hours_total: 564 });
    const one = await s.call('GET', `/api/progress/history/${projectId}?limit=1`);
    expect(one.json.snapshots).toHaveLength(1);
    expect(one.json.more).toBe(true);
    expect(one.json.snapshots[0].hours_done).toBe(8); // the latest
    const since = await s.call('GET', `/api/progress/history/${projectId}?since=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`);
    expect(since.json.snapshots).toHaveLength(1);
    const tooMany = await s.call('GET', `/api/progress/history/${projectId}?limit=1001`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toMatch(/limit: limit must be at most 1000/);
    expect((await s.call('GET', `/api/progress/history/${projectId}?since=yesterday`)).status).toBe(400);
    expect((await s.call('GET', '/api/progress/history/999999')).status).toBe(404);
    expect((await s.call('GET', '/api/progress/history/abc')).status).toBe(400);
  });

  it('the progress routes register the periodic snapshot, run by the leader', async () => {
    const before = (await s.call('GET', `/api/progress/history/${projectId}`)).json.snapshots.length;
    expect(await s.o.periodic.runOnce()).toBe(true);
    const after = (await s.call('GET', `/api/progress/history/${projectId}`)).json.snapshots.length;
    expect(after).toBe(before + 1);
  });

  it('agents: pool, current tasks, utilisation of its own capacity, outcomes, heartbeat health', async () => {
    await holding12();
    const r = await s.call('GET', '/api/progress/agents?window_hours=24');
    expect(r.status).toBe(200);
    const me = r.json.agents.find((x: { name: string }) => x.name === 'worker-1');
    expect(me).toMatchObject({ pool: 'default', capacity: 2, tasks_done: 1, failures: 0, window_hours: 24 });
    expect(me.current_tasks.map((c: { key: string }) => c.key)).toEqual(['1.2']);
    expect(me.utilisation_percent).toBeGreaterThan(0);
    expect(me.utilisation_percent).toBeLessThanOrEqual(100);
    expect(me.heartbeat.health).toBe('healthy');
    expect((await s.call('GET', '/api/progress/agents?window_hours=0')).status).toBe(400);
    expect((await s.call('GET', '/api/progress/agents?window_hours=lots')).status).toBe(400);
  });

  it('evidence: agents add notes and test results to their own tasks; GitHub evidence cannot be forged', async () => {
    await holding12();
    const ok = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'test', result: 'passed', summary: '42 tests', url: 'https://ci.example/run/1' }, agentToken);
    expect(ok.status).toBe(201);
    expect(ok.json.evidence).toMatchObject({ task_key: '1.2', type: 'test', source: 'agent', from_github: false, agent_id: agentId });
    expect(ok.json.evidence.metadata).toMatchObject({ result: 'passed', summary: '42 tests' });

    const forged = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'pr', url: 'https://github.com/acme/progress/pull/1' }, agentToken);
    expect(forged.status).toBe(403);
    expect(forged.json.error.message).toMatch(/recorded from GitHub itself/);
    const review = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'review' });
    expect(review.status).toBe(403); // not even the admin forges a review
    const src = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'note', source: 'webhook' }, agentToken);
    expect(src.status).toBe(403);
    expect(src.json.error.message).toMatch(/source "webhook" cannot be claimed/);
    const extra = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'note', delivery_id: 'x' }, agentToken);
    expect(extra.status).toBe(400);
    const unknown = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'banana' }, agentToken);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/type: expected one of note, test, build/);
    const js = await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'note', url: 'javascript:alert(1)' }, agentToken);
    expect(js.status).toBe(400);
    expect(js.json.error.message).toMatch(/url: expected an http\(s\) URL/);
    const notMine = await s.call('POST', '/api/git/evidence', { task_id: '3.1', type: 'note', summary: 'hi' }, agentToken);
    expect(notMine.status).toBe(403);
    expect((await s.call('POST', '/api/git/evidence', { task_id: '9.9', type: 'note' })).status).toBe(404);
    expect((await s.call('POST', '/api/git/evidence', { task_id: '1.2', type: 'note' }, null)).status).toBe(401);
    expect((await s.call('POST', '/api/git/evidence', '{not json')).status).toBe(400);

    const list = await s.call('GET', '/api/git/evidence/1.2');
    expect(list.status).toBe(200);
    expect(list.json.task.key).toBe('1.2');
    expect(list.json.evidence.map((e: { type: string }) => e.type)).toEqual(['test']);
    expect((await s.call('GET', `/api/git/evidence/${ids.get('1.2')}`)).json.evidence).toHaveLength(1);
    expect((await s.call('GET', '/api/git/evidence/424242')).status).toBe(404);
    expect((await s.call('GET', '/api/git/evidence/1.2?limit=501')).status).toBe(400);
    const feed = await s.call('GET', '/api/git/evidence?limit=5');
    expect(feed.json.evidence[0].type).toBe('test');
  });

  it('merge queue: in-review tasks with their PR evidence, dependencies first, then engine order', async () => {
    await holding12();
    const db = s.o.db;
    // worker-1 hands 1.2 in for review with PR 12.
    const active = (await s.call('GET', `/api/assignments?status=active&task_id=${ids.get('1.2')}`)).json.assignments[0];
    await s.call('PATCH', `/api/assignments/${active.id}/progress`, { epoch: active.epoch, status: 'in_review' });
    await s.o.engine.updateTask(ids.get('1.2')!, { prNumber: 12, branch: 'fleet/1.2' });
    // 1.3 (depends on 1.1, done) and 3.1 go to review too; 3.2 (depends on 3.1) as well.
    for (const [key, pr] of [['1.3', 13], ['3.1', 31], ['3.2', 32]] as const) {
      await s.o.engine.setStatus(ids.get(key)!, 'in_review', 'test');
      await s.o.engine.updateTask(ids.get(key)!, { prNumber: pr, branch: `fleet/${key}` });
    }
    const ev = (task: string, type: string, ref: string | null, metadata: object, ago = 0) =>
      db.query(
        `INSERT INTO evidence (project_id, task_id, type, ref, url, source, metadata, created_at) VALUES ($1, $2, $3, $4, $5, 'webhook', $6::jsonb, now() - make_interval(secs => $7))`,
        [projectId, ids.get(task), type, ref, `https://github.com/acme/progress/pull/${task}`, JSON.stringify(metadata), ago],
      );
    await ev('1.2', 'pr', 'sha12', { action: 'opened', number: 12 }, 100);
    await ev('1.2', 'review', 'sha12', { action: 'submitted', state: 'approved', reviewer: 'alice' }, 50);
    await ev('1.2', 'check', 'sha12', { kind: 'check_run', name: 'ci', conclusion: 'success' }, 40);
    await ev('3.1', 'pr', 'sha31', { action: 'opened', number: 31 }, 100);
    await ev('3.1', 'review', 'sha31', { action: 'submitted', state: 'changes_requested', reviewer: 'bob' }, 60);
    await ev('3.1', 'check', 'sha31', { kind: 'check_run', name: 'ci', conclusion: 'failure' }, 30);
    await ev('3.2', 'pr', 'sha32', { action: 'opened', number: 32 }, 100);
    await ev('3.2', 'review', 'sha32', { action: 'submitted', state: 'approved', reviewer: 'alice' }, 50);
    await ev('3.2', 'check', 'sha-old', { kind: 'check_run', name: 'ci', conclusion: 'failure' }, 90);
    await ev('3.2', 'check', 'sha32', { kind: 'check_run', name: 'ci', conclusion: null, status: 'in_progress' }, 20);

    const r = await s.call('GET', '/api/git/merge-queue?project=acme/progress');
    expect(r.status).toBe(200);
    const q = r.json.tasks as { key: string; position: number; state: string; waits_for: { reason: string; detail: string }[]; approvals: { approved: number }; checks: { state: string } }[];
    // Engine order is critical path first (3.1: 200, 3.2: 80, 1.2: 56, 1.3: 40); 3.2 must wait for 3.1.
    expect(q.map((t) => t.key)).toEqual(['3.1', '3.2', '1.2', '1.3']);
    expect(q.map((t) => t.position)).toEqual([1, 2, 3, 4]);
    const by = new Map(q.map((t) => [t.key, t]));
    expect(by.get('1.2')).toMatchObject({ state: 'ready', waits_for: [], approvals: { approved: 1 }, checks: { state: 'success' } });
    expect(by.get('3.1')!.state).toBe('blocked');
    expect(by.get('3.1')!.waits_for.map((w) => w.reason).sort()).toEqual(['approvals', 'changes_requested', 'checks_failed']);
    // The failure on an old head does not count; the current head's check is still running.
    expect(by.get('3.2')!.checks.state).toBe('pending');
    // In the runner's words (one builder for both: app/core/mergeQueueView.ts).
    expect(by.get('3.2')!.waits_for.map((w) => w.detail)).toEqual(expect.arrayContaining(["waiting for 3.1's PR #31", 'waiting for checks: ci']));
    expect(by.get('1.3')!.waits_for.map((w) => w.reason)).toEqual(['approvals']);

    expect(by.get('1.2')).toMatchObject({ queue: null });
    // What the merge queue itself recorded for a PR shows next to it.
    await db.query(
      `INSERT INTO merge_queue (project_id, base_branch, task_id, pr_number, state, position, waiting_for) VALUES ($1, 'main', $2, 12, 'waiting_checks', 1, 'checks on sha12: ci')`,
      [projectId, ids.get('1.2')],
    );
    const again = (await s.call('GET', '/api/git/merge-queue')).json.tasks.find((t: { key: string }) => t.key === '1.2');
    expect(again.queue).toMatchObject({ state: 'waiting_checks', position: 1, base_branch: 'main', waiting_for: 'checks on sha12: ci', mode: 'app' });

    const br = await s.call('GET', '/api/git/branches?project=acme/progress');
    expect(br.status).toBe(200);
    expect(br.json.branches.map((b: { branch: string }) => b.branch).sort()).toEqual(['fleet/1.2', 'fleet/1.3', 'fleet/3.1', 'fleet/3.2']);
    expect(br.json.branches.find((b: { task_key: string }) => b.task_key === '1.2').pr_url).toMatch(/^https:\/\/github.com\//);
    expect((await s.call('GET', '/api/git/branches?limit=0')).status).toBe(400);
  });

  it('the graph marks the critical path of remaining hours', async () => {
    const g = await s.call('GET', '/api/progress/graph?project=acme/progress');
    expect(g.status).toBe(200);
    expect(g.json.nodes).toHaveLength(7);
    expect(g.json.edges.some((e: { kind: string }) => e.kind === 'epic')).toBe(true);
    expect(g.json.critical_path.keys.length).toBeGreaterThan(0);
    expect(g.json.nodes.filter((n: { critical: boolean }) => n.critical).length).toBe(g.json.critical_path.keys.length);
  });

  it('never answers 500 to odd input', async () => {
    const paths = [
      '/api/progress/history/1e309',
      '/api/progress/history/-1',
      `/api/progress/history/${'9'.repeat(40)}`,
      '/api/git/evidence/%00',
      `/api/git/evidence/${'x'.repeat(150)}`,
      '/api/progress/summary?project=a/b&project=c/d',
      '/api/progress/agents?window_hours[]=1',
      '/api/git/merge-queue?project=%2F',
    ];
    for (const p of paths) {
      const r = await s.call('GET', p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
    for (const body of [[], 'null', { task_id: {}, type: 'note' }, { task_id: '1.2', type: 'note', metadata: { a: 'x'.repeat(20_000) } }, { task_id: '1.2', type: 'note', summary: 'a\u0000b' }, { task_id: '1.2', type: 'note', metadata: { a: '\u0000' } }, { task_id: '1\u0000', type: 'note' }]) {
      const r = await s.call('POST', '/api/git/evidence', body);
      expect(r.status, JSON.stringify(body).slice(0, 50)).toBe(400);
    }
    expect((await s.call('POST', '/api/progress/snapshot', { project: 'x' })).status).toBe(400);
  });

  it('fleet status prints the same summary', async () => {
    await withVelocity();
    const out: string[] = [];
    const err: string[] = [];
    const program = new Command('fleet').exitOverride();
    registerStatusCommand(program, { stdout: (x) => out.push(x), stderr: (x) => err.push(x), env: { FLEET_URL: s.url, FLEET_TOKEN: s.admin } });
    await program.parseAsync(['status'], { from: 'user' });
    const text = out.join('\n');
    const api = (await s.call('GET', '/api/progress/summary')).json;
    expect(text).toContain(`${api.overall.overall_percent}%`);
    expect(text).toContain(`${api.overall.hours_done} of ${api.overall.hours_total} h done`);
    expect(text).toMatch(/by velocity: {3}\d{4}-\d\d-\d\d/);
    expect(text).not.toContain(s.admin);

    const json: string[] = [];
    const p2 = new Command('fleet').exitOverride();
    registerStatusCommand(p2, { stdout: (x) => json.push(x), stderr: () => undefined, env: {} });
    await p2.parseAsync(['status', '--json', '--url', s.url, '--token', s.admin, '--project', 'acme/progress'], { from: 'user' });
    expect(JSON.parse(json.join('')).overall.hours_total).toBe(api.overall.hours_total);

    const p3 = new Command('fleet').exitOverride();
    registerStatusCommand(p3, { stdout: () => undefined, stderr: () => undefined, env: { FLEET_URL: s.url, FLEET_DATA_DIR: '/nonexistent' } });
    await expect(p3.parseAsync(['status'], { from: 'user' })).rejects.toThrow(/HTTP 401.*FLEET_TOKEN/);
  });

  it('fleet status says why it cannot reach an orchestrator that is not running', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const program = new Command('fleet').exitOverride();
    registerStatusCommand(program, { stdout: () => undefined, stderr: () => undefined, env: { FLEET_URL: url, FLEET_TOKEN: 'any' } });
    await expect(program.parseAsync(['status'], { from: 'user' })).rejects.toThrow(`fleet status: cannot reach ${url}: fetch failed (ECONNREFUSED); is the orchestrator running? (npm start)`);
  });

  it('serves the dashboard page and its assets under the CSP, with no token needed for the files', async () => {
    const page = await fetch(s.url + '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('/dashboard/app.js');
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script
    const js = await fetch(s.url + '/dashboard/app.js');
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('sessionStorage');
  });
});
