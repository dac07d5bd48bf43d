import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { freshDb, type TestDb } from '../support/db.js';
import { insertProject } from '../support/fixtures.js';
import { guardRig } from '../support/guardJob.js';
import { API, OWNER, REPO } from '../github/helpers.js';
import { STOP_GRACE_MS } from '../../app/guards/githubGuardJob.js';

/**
 * Issue 15, the GitHub side: a job told to stop that keeps its lease past the grace period has its
 * workflow run cancelled through the Actions API (asserted in nock, validated against GitHub's
 * API description) and its lease revoked; a pause labels the epic issues `fleet:paused` and a
 * resume takes the label off; an opened circuit is told on the plan's tracking issue. Once each.
 */
describe('the guard job in the GitHub App', () => {
  let t: TestDb;
  let now = Date.UTC(2026, 10, 29, 9, 0, 0);
  const repoPath = `/repos/${OWNER}/${REPO}`;
  beforeAll(async () => {
    t = await freshDb('guard_job', { backend: 'postgres' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  // Every mock set up here must be called: the global guard (test/support/githubGuard.ts) checks that after each test.

  it('cancels the run of a job that did not stop in time, revokes its lease, labels paused epics and posts the circuit notice, each once', async () => {
    const { engine, guards, job } = guardRig(t.db, () => now);
    const { projectId } = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], `${OWNER}/${REPO}`);
    await t.db.query(`UPDATE projects SET installation_id = 77, pause_mode = 'stop', circuit_breaker = '{"failures": 2}'::jsonb WHERE id = $1`, [projectId]);
    await t.db.query(`UPDATE epics SET issue_number = 10 WHERE project_id = $1`, [projectId]);
    await engine.refreshAll();
    await engine.rebuildQueue();
    const agent = await engine.poolAgent({ name: 'vm', capacity: 4 });
    const c = (await engine.claim(agent.id, { projectId }))!;
    await t.db.query('UPDATE assignments SET workflow_run_id = 4242 WHERE id = $1', [c.assignment.id]);

    await guards.pause(projectId);
    expect(await guards.heartbeatAnswer(c.assignment, c.task)).toMatchObject({ stop: true, reason: 'paused' });

    // Within the grace period: only the label.
    const label = nock(API).post(`${repoPath}/issues/10/labels`, { labels: ['fleet:paused'] }).reply(200, [{ name: 'fleet:paused' }]);
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 1 });
    expect(label.isDone()).toBe(true);

    now += STOP_GRACE_MS + 1000;
    const cancel = nock(API).post(`${repoPath}/actions/runs/4242/cancel`).reply(202, {});
    expect(await job()).toEqual({ cancelled: 1, notices: 0, labelled: 0 });
    expect(cancel.isDone()).toBe(true);
    expect((await engine.getAssignment(c.assignment.id)).status).toBe('released');
    const task = await t.db.query<{ held: boolean; attempts: number }>('SELECT held, attempts FROM tasks WHERE id = $1', [c.task.id]);
    expect(task.rows[0]).toEqual({ held: true, attempts: 0 });
    // Nothing more to do: a second round writes nothing (nock would refuse any request).
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 0 });

    // Resume takes the label off; the circuit opening is told on the tracking issue.
    await guards.resume(projectId);
    await guards.recordEnding(projectId, 'vm', 'rate_limited');
    await guards.recordEnding(projectId, 'vm', 'rate_limited');
    const unlabel = nock(API).delete(`${repoPath}/issues/10/labels/fleet%3Apaused`).reply(200, []);
    const comment = nock(API)
      .post(`${repoPath}/issues/10/comments`, (b: { body: string }) => /Pool `vm`: circuit opened after 2 failed runs/.test(b.body))
      .reply(201, { id: 1 });
    expect(await job()).toEqual({ cancelled: 0, notices: 1, labelled: 1 });
    expect(unlabel.isDone() && comment.isDone()).toBe(true);
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 0 });
  });

  it('pause with drain: every epic issue of the plan is labelled fleet:paused, running jobs are neither stopped nor cancelled; resume unlabels them all', async () => {
    const { engine, guards, job } = guardRig(t.db, () => now);
    // Epics 1 and 2 have issues; epic 3 has none (nothing to label there).
    const { projectId } = await insertProject(t.db, [{ key: '1.1' }, { key: '2.1' }, { key: '3.1' }], `${OWNER}/drain-${REPO}`);
    await t.db.query(`UPDATE projects SET installation_id = 78 WHERE id = $1`, [projectId]);
    await t.db.query(`UPDATE epics SET issue_number = CASE key WHEN '1' THEN 21 WHEN '2' THEN 22 END WHERE project_id = $1`, [projectId]);
    await engine.refreshAll();
    await engine.rebuildQueue();
    const agent = await engine.poolAgent({ name: 'drain-vm', capacity: 4 });
    const c = (await engine.claim(agent.id, { projectId }))!;
    await t.db.query('UPDATE assignments SET workflow_run_id = 4343 WHERE id = $1', [c.assignment.id]);
    const path = `/repos/${OWNER}/drain-${REPO}`;

    expect(await guards.pause(projectId)).toMatchObject({ changed: true, mode: 'drain', stopping: 0 });
    expect(await engine.claim(agent.id, { projectId })).toBeNull();
    const labels = [21, 22].map((n) => nock(API).post(`${path}/issues/${n}/labels`, { labels: ['fleet:paused'] }).reply(200, [{ name: 'fleet:paused' }]));
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 1 });
    expect(labels.every((l) => l.isDone())).toBe(true);

    // Drain: the running job finishes; long past the grace period its run is not cancelled.
    expect(await guards.heartbeatAnswer(c.assignment, c.task)).toEqual({ stop: false });
    now += 3 * STOP_GRACE_MS;
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 0 });
    expect((await engine.getAssignment(c.assignment.id)).status).toBe('active');

    await guards.resume(projectId);
    const unlabels = [21, 22].map((n) => nock(API).delete(`${path}/issues/${n}/labels/fleet%3Apaused`).reply(200, []));
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 1 });
    expect(unlabels.every((l) => l.isDone())).toBe(true);
    expect(await engine.claim(agent.id, { projectId })).not.toBeNull();
  });
});
