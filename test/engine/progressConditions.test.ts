import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimedTask, engineHarness, recordEvents, type EngineHarness } from '../support/engine.js';
import { StaleEpochError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): the conditions in reportProgress (app/engine/reportProgress.ts):
 * when a report is a repeat and when it is stale, the status a report without one implies, and
 * which reports announce the task as changed.
 */
describe('progress report conditions', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('progressConditions', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('the final report sent again with another epoch is stale, not a repeat, and the message says both epochs', async () => {
    const { c, actor } = await claimedTask(h, 'stale-repeat');
    const e = c.lease.epoch;
    await h.engine.reportProgress(c.assignment.id, { epoch: e, status: 'in_review' }, actor);
    const err = await h.engine.reportProgress(c.assignment.id, { epoch: e + 1, status: 'in_review' }, actor).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StaleEpochError);
    expect((err as Error).message).toBe(`assignment ${c.assignment.id} for task 1.1: epoch ${e + 1} is stale (assignment is completed at epoch ${e}); nothing was changed`);
  });

  it('an explicit in_progress without a percent moves an assigned task to in progress', async () => {
    const { id, c, actor } = await claimedTask(h, 'explicit-start');
    const r = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'in_progress' }, actor);
    expect(r.task.status).toBe('in_progress');
    expect((await h.engine.getTask(id)).status).toBe('in_progress');
    expect(r.assignment.status).toBe('active');
  });

  it('a report of notes only, or of 0 percent, leaves an assigned task assigned', async () => {
    const { id, c, actor } = await claimedTask(h, 'not-started');
    const notes = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, notes: 'reading the issue' }, actor);
    expect(notes.task.status).toBe('assigned');
    const zero = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 0 }, actor);
    expect(zero.task.status).toBe('assigned');
    expect((await h.engine.getTask(id)).status).toBe('assigned');
  });

  it('a percent on a task already in review (its PR opened) leaves it in review', async () => {
    const { id, c, actor } = await claimedTask(h, 'in-review-percent');
    await h.engine.moveTask(id, 'in_review', 'PR opened', { endAssignmentAs: null });
    const r = await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 60 }, actor);
    expect(r.task.status).toBe('in_review');
    expect((await h.engine.getTask(id)).status).toBe('in_review');
  });

  it('announces the task when a report moves it, and not for progress that leaves it where it is', async () => {
    const { c, actor } = await claimedTask(h, 'announce');
    const first = recordEvents(h);
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 10 }, actor);
    first.stop();
    expect(first.of('task.updated')).toEqual([expect.objectContaining({ id: c.task.id, status: 'in_progress' })]);
    const more = recordEvents(h);
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, percentComplete: 40 }, actor);
    more.stop();
    expect(more.of('assignment.updated')).toHaveLength(1);
    expect(more.of('task.updated')).toEqual([]);
  });

  it('announces the task when a final report ends the work on a task already in that status', async () => {
    const { id, c, actor } = await claimedTask(h, 'announce-final');
    await h.engine.moveTask(id, 'in_review', 'PR opened', { endAssignmentAs: null });
    const seen = recordEvents(h);
    await h.engine.reportProgress(c.assignment.id, { epoch: c.lease.epoch, status: 'in_review' }, actor);
    seen.stop();
    expect(seen.of('task.updated')).toEqual([expect.objectContaining({ id, status: 'in_review' })]);
  });
});
