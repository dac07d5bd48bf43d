import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { IllegalTransitionError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): the one status change (app/engine/status.ts, moveTask): how the
 * target ends the live assignment, the `from` guard and its answer, stepping through pending
 * with `via`, and a move with no path at all.
 */
describe('status moves', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('statusMoves', 'postgres');
  });
  afterAll(() => h.cleanup());

  async function oneTask() {
    const p = await insertProject(h.t.db, [{ key: '4.1' }], `acme/status-${++seq}`);
    await prime(h.engine);
    return { projectId: p.projectId, id: p.ids.get('4.1')! };
  }

  async function claimed() {
    const t = await oneTask();
    const agent = await h.engine.heartbeatAgent({ name: `status-agent-${seq}` });
    const c = (await h.engine.claim(agent.id, { projectId: t.projectId }))!;
    expect(c.task.id).toBe(t.id);
    return { ...t, assignmentId: c.assignment.id };
  }

  it('in review completes the live assignment; in progress leaves it', async () => {
    const t = await claimed();
    const p = await h.engine.moveTask(t.id, 'in_progress', 'started');
    expect(p.changed).toBe(true);
    expect((await h.engine.getAssignment(t.assignmentId)).status).toBe('active');
    const r = await h.engine.moveTask(t.id, 'in_review', 'PR opened');
    expect(r).toMatchObject({ changed: true, task: { status: 'in_review' } });
    expect(await h.engine.getAssignment(t.assignmentId)).toMatchObject({ status: 'completed', endReason: 'PR opened' });
  });

  it('a move to the status the task has is no change', async () => {
    const t = await oneTask();
    const r = await h.engine.moveTask(t.id, 'pending', 'again');
    expect(r).toEqual({ changed: false, task: expect.objectContaining({ id: t.id, status: 'pending' }) });
  });

  it('`from` refuses a task in another status, saying which, and applies from a listed one', async () => {
    const t = await oneTask();
    const r = await h.engine.moveTask(t.id, 'done', 'merged', { from: ['assigned', 'in_progress'] });
    expect(r).toEqual({ changed: false, refused: 'task 4.1 is pending; this applies only to assigned, in_progress', task: expect.objectContaining({ status: 'pending' }) });
    expect((await h.engine.getTask(t.id)).status).toBe('pending');
    const ok = await h.engine.moveTask(t.id, 'done', 'merged', { from: ['pending'] });
    expect(ok).toMatchObject({ changed: true, task: { status: 'done' } });
  });

  it('`via: pending` steps a cancelled task through pending to done', async () => {
    const t = await oneTask();
    await h.engine.moveTask(t.id, 'cancelled', 'not needed');
    const r = await h.engine.moveTask(t.id, 'done', 'merged anyway', { via: 'pending' });
    expect(r).toMatchObject({ changed: true, task: { status: 'done' } });
    expect((await h.engine.getTask(t.id)).status).toBe('done');
  });

  it('`via: pending` refuses, with why, a move that has no path even through pending', async () => {
    const t = await oneTask();
    await h.engine.moveTask(t.id, 'cancelled', 'not needed');
    // cancelled → pending is allowed, pending → in_progress is not.
    const r = await h.engine.moveTask(t.id, 'in_progress', 'started', { via: 'pending' });
    expect(r).toEqual({ changed: false, refused: 'task 4.1 is cancelled and cannot become in_progress', task: expect.objectContaining({ status: 'cancelled' }) });
    expect((await h.engine.getTask(t.id)).status).toBe('cancelled');
  });

  it('without `via`, a move the table does not allow throws and changes nothing', async () => {
    const t = await oneTask();
    await h.engine.moveTask(t.id, 'cancelled', 'not needed');
    await expect(h.engine.moveTask(t.id, 'done', 'merged')).rejects.toThrow(IllegalTransitionError);
    expect((await h.engine.getTask(t.id)).status).toBe('cancelled');
  });
});
