import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { createHash } from 'node:crypto';
import { mintAgentToken } from '../../app/http/auth.js';
import { planProvenance } from '../../app/plan/planProvenance.js';
import { setPlanProvenance } from '../../app/plan/sql/setPlanProvenance.js';
import { AssignmentHeartbeatResponse, BudgetsResponse, ClaimResponse, GuardsResponse, PauseResponse, UsageResponse } from '../../schema/apiResponses.js';

function conforms(schema: z.ZodType, r: { status: number; json: unknown }, status = 200): void {
  expect(r.status, JSON.stringify(r.json)?.slice(0, 300)).toBe(status);
  const parsed = schema.safeParse(r.json);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  expect(parsed.data).toEqual(r.json);
}

/** Issue 15 through the real server: usage, budgets, the heartbeat's stop, pause and resume. */
describe('guard-rail API', () => {
  let s: TestServer;
  let token: string;
  let projectId: number;
  beforeAll(async () => {
    s = await startTestServer('guards_api');
    ({ projectId } = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], 'acme/guards'));
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    ({ token } = await mintAgentToken(s.o.db, 'guard-worker', { capacity: 3 }));
  });
  afterAll(() => s.close());

  it('records cumulative usage, answers stop on the heartbeat once the task budget is spent, and refuses hand-out', async () => {
    conforms(BudgetsResponse, await s.call('PUT', '/api/projects/acme%2Fguards/budgets', { perTaskUsd: 2 }));
    const claim = await s.call('POST', '/api/assignments/claim', {}, token);
    conforms(ClaimResponse, claim);
    expect(claim.json.provenance).toBeNull();
    const { id } = claim.json.assignment;
    const epoch = claim.json.lease.epoch;

    const first = await s.call('POST', `/api/assignments/${id}/usage`, { epoch, input_tokens: 1000, output_tokens: 200, cost_usd: 0.5, model: 'claude-sonnet', turns: 3, source: 'claude_code' }, token);
    conforms(UsageResponse, first);
    expect(first.json).toMatchObject({ stop: false, evidence: { type: 'usage', metadata: { cost_usd: 0.5, epoch } } });
    const hb = await s.call('POST', `/api/assignments/${id}/heartbeat`, { epoch }, token);
    conforms(AssignmentHeartbeatResponse, hb);
    expect(hb.json.stop).toBe(false);

    const over = await s.call('POST', `/api/assignments/${id}/usage`, { epoch, cost_usd: 2.25, turns: 9 }, token);
    expect(over.json).toMatchObject({ stop: true, reason: 'budget' });
    const hb2 = await s.call('POST', `/api/assignments/${id}/heartbeat`, { epoch }, token);
    conforms(AssignmentHeartbeatResponse, hb2);
    expect(hb2.json).toMatchObject({ stop: true, reason: 'budget' });

    // The Action stops and reports failed with reason budget: the task stays held with reason budget.
    const done = await s.call('PATCH', `/api/assignments/${id}/progress`, { epoch, status: 'failed', exit_reason: 'budget', notes: 'budget' }, token);
    expect(done.status).toBe(200);
    const view = await s.call('GET', `/api/projects/${projectId}/guards`);
    conforms(GuardsResponse, view);
    expect(view.json.guards.held).toEqual([expect.objectContaining({ key: claim.json.task.key, reason: 'budget' })]);
    expect(view.json.spend.tasks).toEqual([expect.objectContaining({ key: claim.json.task.key, spend_usd: 2.25, budget_left: { task: 0 } })]);
    const next = await s.call('POST', '/api/assignments/claim', {}, token);
    expect(next.json.task.key).not.toBe(claim.json.task.key);
  });

  it('pause holds everything (nothing handed out) and resume releases it; bad input is a 400 that says what is accepted', async () => {
    const paused = await s.call('POST', '/api/projects/acme%2Fguards/pause');
    conforms(PauseResponse, paused);
    expect(paused.json).toMatchObject({ paused: true, changed: true, mode: 'drain' });
    expect((await s.call('POST', '/api/assignments/claim', {}, token)).status).toBe(204);
    const resumed = await s.call('POST', `/api/projects/${projectId}/resume`);
    conforms(PauseResponse, resumed);
    expect(resumed.json).toMatchObject({ paused: false, changed: true });
    // The claim carries where the task text came from (stored at plan sync), for the prompt header.
    const tasks = (await s.o.db.query<{ id: number }>('SELECT id FROM tasks WHERE project_id = $1', [projectId])).rows.map((r) => Number(r.id));
    await setPlanProvenance(s.o.db, projectId, tasks, planProvenance({ path: 'plans/guards.md', commit: 'abc1234', text: '# plan' }));
    const claimed = await s.call('POST', '/api/assignments/claim', {}, token);
    conforms(ClaimResponse, claimed);
    expect(claimed.json.provenance).toEqual({ plan_path: 'plans/guards.md', plan_commit: 'abc1234', plan_hash: `sha256:${createHash('sha256').update('# plan').digest('hex')}` });

    expect((await s.call('POST', '/api/projects/acme%2Fguards/pause', undefined, token)).status).toBe(403);
    const bad = await s.call('PUT', '/api/projects/acme%2Fguards/budgets', { perTaskUsd: -1 });
    expect(bad.status).toBe(400);
    const unknown = await s.call('PUT', '/api/projects/acme%2Fguards/budgets', { perWeekUsd: 3 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/perTaskUsd/);
    expect((await s.call('POST', '/api/projects/no%2Fsuch/pause')).status).toBe(404);
    const badUsage = await s.call('POST', '/api/assignments/1/usage', { epoch: 1, cost_usd: 'lots' }, token);
    expect(badUsage.status).toBe(400);
  });
});
