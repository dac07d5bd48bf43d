import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): a final report for a task that already has the reported status
 * (moved to review by its PR while the agent still held the lease) ends the assignment and leaves
 * the task without a lease, even one a progress report had run again; it does not extend one.
 */
describe('a final report when the task already has that status', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('progressAlreadyInStatus', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('ends the assignment and leaves no lease on the task', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/already');
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: 'already-agent' });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    await h.engine.moveTask(c.task.id, 'in_review', 'PR opened', { endAssignmentAs: null });
    expect((await h.engine.getAssignment(c.assignment.id)).status).toBe('active');
    const actor = { kind: 'agent' as const, agentId: agent.id, pool: agent.pool };
    // Progress on the task in review runs its lease again (the move to review had dropped it).
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 90 }, actor);
    expect((await h.engine.getTask(c.task.id)).leaseExpiresAt).toBeInstanceOf(Date);
    const r = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'in_review' }, actor);
    expect(r.assignment).toMatchObject({ status: 'completed', endReason: 'reported in_review' });
    expect(r.task.status).toBe('in_review');
    const { rows } = await h.t.db.query<{ lease_expires_at: Date | null }>(`SELECT lease_expires_at FROM tasks WHERE id = $1`, [c.task.id]);
    expect(rows[0]!.lease_expires_at).toBeNull();
  });
});
