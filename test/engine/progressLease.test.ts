import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): a progress report runs the task's lease again from now, whether
 * it keeps the status or moves it (assigned → in_progress), not only the assignment's.
 */
describe('a progress report extends the task lease', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('progressLease', 'postgres', { leaseTtlSeconds: 600 });
  });
  afterAll(() => h.cleanup());

  it('the task lease runs from the report, with and without a status change', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/lease');
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: 'lease-agent' });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    const actor = { kind: 'agent' as const, agentId: agent.id, pool: agent.pool, active: true };
    const nearlyOut = () => h.t.db.query(`UPDATE tasks SET lease_expires_at = now() + interval '30 seconds' WHERE id = $1`, [c.task.id]);
    const secondsLeft = async () => ((await h.engine.getTask(c.task.id)).leaseExpiresAt!.getTime() - Date.now()) / 1000;
    await nearlyOut();
    // assigned → in_progress (a first percent).
    const moved = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 10 }, actor);
    expect(moved.task.status).toBe('in_progress');
    expect(await secondsLeft()).toBeGreaterThan(500);
    await nearlyOut();
    // in_progress stays in_progress.
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 20 }, actor);
    expect(await secondsLeft()).toBeGreaterThan(500);
  });
});
