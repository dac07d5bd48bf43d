import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { NotFoundError, StaleEpochError, ValidationError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): the bounds of the steering edits (priority 0..3 as an integer,
 * estimate 0..10000 hours and finite) at and just past each edge, the messages that say what is
 * accepted, an edit of a task that does not exist, the task edit re-indexing the task itself, a
 * priority edit leaving the levels alone, and an admin's stale git epoch.
 */
describe('task edit validation and edges', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('taskEditValidation', 'postgres');
  });
  afterAll(() => h.cleanup());

  async function oneTask(extra: { cp?: number } = {}) {
    const p = await insertProject(h.t.db, [{ key: '1.1', hours: 2, ...extra }], `acme/edits-${++seq}`);
    await prime(h.engine);
    return { projectId: p.projectId, id: p.ids.get('1.1')! };
  }

  it('priority: 0 and 3 are accepted; -1, 4 and 1.5 are refused with what is accepted', async () => {
    const { id } = await oneTask();
    expect((await h.engine.setPriority(id, 0)).task.priority).toBe(0);
    expect((await h.engine.setPriority(id, 3)).task.priority).toBe(3);
    for (const bad of [-1, 4, 1.5]) {
      const err = await h.engine.setPriority(id, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe(`priority must be 0..3 (p0..p3), got ${bad}`);
    }
    // Nothing refused was written.
    expect((await h.engine.getTask(id)).priority).toBe(3);
  });

  it('estimate: 0 and 10000 hours are accepted; -1, 10000.5, NaN and Infinity are refused', async () => {
    const { id } = await oneTask();
    expect((await h.engine.setEstimate(id, 0)).task.estimatedHours).toBe(0);
    expect((await h.engine.setEstimate(id, 10_000)).task.estimatedHours).toBe(10_000);
    for (const bad of [-1, 10_000.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = await h.engine.setEstimate(id, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toBe(`estimate must be between 0 and 10000 hours, got ${bad}`);
    }
    expect((await h.engine.getTask(id)).estimatedHours).toBe(10_000);
  });

  it('the API task edit validates too', async () => {
    const { id } = await oneTask();
    await expect(h.engine.updateTask(id, { priority: 9 })).rejects.toThrow(ValidationError);
    await expect(h.engine.updateTask(id, { estimatedHours: -3 })).rejects.toThrow(ValidationError);
  });

  it('an edit of a task that does not exist is a 404 naming the id', async () => {
    const missing = 987_654_321;
    const err = await h.engine.setHeld(missing, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(`no task with id ${missing}`);
    const dep = await h.engine.addDependencies(missing, [1]).catch((e: unknown) => e);
    expect(dep).toBeInstanceOf(NotFoundError);
    expect((dep as Error).message).toBe(`no task with id ${missing}`);
  });

  it("the API task edit re-indexes the task it edited: held leaves the queue, unheld comes back", async () => {
    const { projectId, id } = await oneTask();
    const ready = async () => (await h.engine.listReady({ projectId })).map((t) => t.id);
    expect(await ready()).toEqual([id]);
    await h.engine.updateTask(id, { held: true });
    expect(await ready()).toEqual([]);
    await h.engine.updateTask(id, { held: false });
    expect(await ready()).toEqual([id]);
  });

  it('a priority edit leaves the levels as they are (only an estimate or an edge recomputes them)', async () => {
    // Level written behind the engine's back (99h, not the 2h a recompute would give).
    const { id } = await oneTask({ cp: 99 });
    await h.engine.setPriority(id, 1);
    expect((await h.engine.getTask(id)).criticalPathHours).toBe(99);
    await h.engine.setEstimate(id, 5);
    expect((await h.engine.getTask(id)).criticalPathHours).toBe(5);
  });

  it("an admin's git edit with a stale epoch changes nothing; the current epoch or none is accepted", async () => {
    const { id } = await oneTask();
    const epoch = (await h.engine.getTask(id)).leaseEpoch;
    const err = await h.engine.setGit(id, { epoch: epoch + 1, branch: 'fleet/x' }, { kind: 'admin' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleEpochError);
    expect((err as Error).message).toBe(`epoch ${epoch + 1} for task 1.1 is stale (current is ${epoch}); nothing was changed`);
    expect((await h.engine.getTask(id)).branch).toBeNull();
    expect((await h.engine.setGit(id, { epoch, branch: 'fleet/y' }, { kind: 'admin' })).branch).toBe('fleet/y');
    expect((await h.engine.setGit(id, { prNumber: 7 }, { kind: 'admin' })).prNumber).toBe(7);
  });
});
