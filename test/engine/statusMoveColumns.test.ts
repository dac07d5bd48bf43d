import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimedTask, engineHarness, oneTask, recordEvents, type EngineHarness } from '../support/engine.js';
import type { TaskStatus } from '../../app/core/taskStatus.js';

/**
 * Issue 13 (engine survivors): the columns moveTask writes by default (app/engine/status.ts,
 * moveTaskIn): failure_reason on failed and cancelled only, attempts reset only going back to
 * pending from failed, cancelled or done, completed_at kept by moves other than to done or
 * pending; and which moves announce the task (the `refresh` option, setStatus).
 */
describe('status move columns and announcements', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('statusMoveColumns', 'postgres');
  });
  afterAll(() => h.cleanup());

  const setAttempts = (id: number, n: number) => h.t.db.query(`UPDATE tasks SET attempts = $2 WHERE id = $1`, [id, n]);

  it.each(['failed', 'cancelled'] as const)('a move to %s records its reason as the failure reason', async (to) => {
    const { id } = await oneTask(h, `reason-${to}`);
    await h.engine.moveTask(id, to, `why ${to}`);
    expect((await h.engine.getTask(id)).failureReason).toBe(`why ${to}`);
  });

  it('moves to other statuses keep the failure reason there was', async () => {
    const { id } = await oneTask(h, 'reason-kept');
    await h.engine.moveTask(id, 'failed', 'tests red');
    await h.engine.moveTask(id, 'pending', 'try again');
    expect((await h.engine.getTask(id)).failureReason).toBe('tests red');
    await h.engine.moveTask(id, 'in_review', 'PR opened');
    expect((await h.engine.getTask(id)).failureReason).toBe('tests red');
  });

  it.each(['failed', 'cancelled', 'done'] as const)('back to pending from %s resets the attempts', async (from: TaskStatus) => {
    const { id } = await oneTask(h, `attempts-${from}`);
    await h.engine.moveTask(id, from, `to ${from}`);
    await setAttempts(id, 2);
    await h.engine.moveTask(id, 'pending', 'reopened');
    expect((await h.engine.getTask(id)).attempts).toBe(0);
  });

  it('a leased task moved back to pending keeps its attempts', async () => {
    const { id } = await claimedTask(h, 'attempts-leased');
    await setAttempts(id, 2);
    await h.engine.moveTask(id, 'pending', 'runner gone');
    expect((await h.engine.getTask(id)).attempts).toBe(2);
  });

  it('a cancelled task stepped through pending to done keeps its attempts (the columns go with the final step)', async () => {
    const { id } = await oneTask(h, 'attempts-via');
    await h.engine.moveTask(id, 'cancelled', 'not needed');
    await setAttempts(id, 2);
    const r = await h.engine.moveTask(id, 'done', 'merged anyway', { via: 'pending' });
    expect(r.task).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('a completion time kept on reopening stays through moves other than to done or pending', async () => {
    const { id } = await oneTask(h, 'completed-kept');
    await h.engine.moveTask(id, 'done', 'merged');
    const completedAt = (await h.engine.getTask(id)).completedAt;
    expect(completedAt).toBeInstanceOf(Date);
    await h.engine.moveTask(id, 'pending', 'reopened', { set: { completedAt: 'keep' } });
    await h.engine.moveTask(id, 'in_review', 'PR opened');
    expect((await h.engine.getTask(id)).completedAt).toEqual(completedAt);
  });

  it('a move with refresh "none" announces nothing; the default refresh announces the task once', async () => {
    const { id } = await oneTask(h, 'refresh-none');
    const quiet = recordEvents(h);
    await h.engine.moveTask(id, 'in_review', 'PR opened', { refresh: 'none' });
    quiet.stop();
    expect(quiet.all).toEqual([]);
    const loud = recordEvents(h);
    await h.engine.moveTask(id, 'done', 'merged');
    loud.stop();
    expect(loud.of('task.updated')).toEqual([expect.objectContaining({ id, status: 'done' })]);
  });

  it('a move that changes nothing, or is refused, announces nothing', async () => {
    const { id } = await oneTask(h, 'no-change');
    const seen = recordEvents(h);
    expect((await h.engine.moveTask(id, 'pending', 'again')).changed).toBe(false);
    expect(await h.engine.moveTask(id, 'done', 'merged', { from: ['in_review'] })).toMatchObject({ changed: false, refused: expect.any(String) });
    seen.stop();
    expect(seen.all).toEqual([]);
  });

  it('setStatus announces the moved task once', async () => {
    const { id } = await oneTask(h, 'set-status');
    const seen = recordEvents(h);
    await h.engine.setStatus(id, 'in_review', 'PR opened');
    seen.stop();
    expect(seen.of('task.updated')).toEqual([expect.objectContaining({ id, status: 'in_review' })]);
  });
});
