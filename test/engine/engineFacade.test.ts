import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { ForbiddenError, NotFoundError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): the engine's own doors (app/engine/engine.ts): a pool claim scoped
 * to one project, the authorisation check it exposes, and the 404s of the reads that name the id.
 */
describe('engine facade', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('engineFacade', 'postgres');
  });
  afterAll(() => h.cleanup());

  it("a pool claim for one project takes that project's task, not a better one elsewhere", async () => {
    const a = await insertProject(h.t.db, [{ key: '1.1', priority: 3 }], 'acme/pool-a');
    const b = await insertProject(h.t.db, [{ key: '1.1', priority: 0 }], 'acme/pool-b');
    await prime(h.engine);
    expect((await h.engine.claimForPool({ name: 'linux', capacity: 5 }, a.projectId))?.task.id).toBe(a.ids.get('1.1'));
    // No project: the best task anywhere.
    expect((await h.engine.claimForPool({ name: 'linux' }))?.task.id).toBe(b.ids.get('1.1'));
  });

  it("authorize lets an agent act on its own assignment only, saying whose it is", async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'acme/authorize');
    await prime(h.engine);
    const owner = await h.engine.heartbeatAgent({ name: 'owner' });
    const other = await h.engine.heartbeatAgent({ name: 'other' });
    const c = (await h.engine.claim(owner.id, { projectId: p.projectId }))!;
    expect(() => h.engine.authorize({ kind: 'agent', agentId: owner.id, pool: owner.pool }, c.assignment)).not.toThrow();
    expect(() => h.engine.authorize({ kind: 'admin' }, c.assignment)).not.toThrow();
    let err: unknown;
    try {
      h.engine.authorize({ kind: 'agent', agentId: other.id, pool: other.pool }, c.assignment);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ForbiddenError);
    expect((err as Error).message).toBe(`assignment ${c.assignment.id} belongs to another agent; an agent may act only on its own assignments`);
  });

  it('a status change of a task that does not exist, and an unknown assignment, are 404s naming the id', async () => {
    const move = await h.engine.moveTask(876_543, 'done', 'merged').catch((e: unknown) => e);
    expect(move).toBeInstanceOf(NotFoundError);
    expect((move as Error).message).toBe('no task with id 876543');
    const get = await h.engine.getAssignment(765_432).catch((e: unknown) => e);
    expect(get).toBeInstanceOf(NotFoundError);
    expect((get as Error).message).toBe('no assignment with id 765432');
  });
});
