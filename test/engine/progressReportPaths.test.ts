import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): what a final progress report writes on the task: a reported
 * failure's reason (with or without notes), and no lease left on a task handed in for review.
 */
describe('final progress reports', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('progressReportPaths', 'postgres');
  });
  afterAll(() => h.cleanup());

  async function claimed() {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], `acme/report-${++seq}`);
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: `report-agent-${seq}` });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    return { c, actor: { kind: 'agent' as const, agentId: agent.id, pool: agent.pool } };
  }

  it("a reported failure records why: the agent's notes when it sent some", async () => {
    const one = await claimed();
    const bare = await h.engine.reportProgress(one.c.assignment.id, { epoch: one.c.lease.epoch, status: 'failed' }, one.actor);
    expect(bare.task).toMatchObject({ status: 'pending', failureReason: 'agent reported failure' });
    const two = await claimed();
    const noted = await h.engine.reportProgress(two.c.assignment.id, { epoch: two.c.lease.epoch, status: 'failed', notes: 'tests red' }, two.actor);
    expect(noted.task).toMatchObject({ status: 'pending', failureReason: 'agent reported failure: tests red' });
  });

  it('a task handed in for review keeps no lease', async () => {
    const { c, actor } = await claimed();
    const r = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'in_review' }, actor);
    expect(r.task.status).toBe('in_review');
    expect(r.task.leaseExpiresAt).toBeNull();
    expect((await h.engine.getTask(c.task.id)).leaseExpiresAt).toBeNull();
  });
});
