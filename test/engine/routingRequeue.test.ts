import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): a claim routed by a cached pool the agent has since left pops a
 * task Postgres refuses it; the task goes back into the Redis index for the pool it belongs to.
 */
describe('a task popped for an agent that changed pool (Redis ordering)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('routingRequeue', 'redis');
  });
  afterAll(() => h.cleanup());

  it('goes back into the index', async () => {
    const clock = Date.now();
    const e = h.engineWith({ now: () => clock });
    const empty = await insertProject(h.t.db, [], 'acme/requeue-empty');
    const p = await insertProject(h.t.db, [{ key: '1.1', pool: 'red' }], 'acme/requeue');
    await prime(e);
    const mover = await e.heartbeatAgent({ name: 'requeue-mover', pool: 'red', capacity: 5 });
    // Cached as red (the clock stands still, so the cache stays fresh).
    expect(await e.claim(mover.id, { projectId: empty.projectId })).toBeNull();
    await e.heartbeatAgent({ name: 'requeue-mover', pool: 'blue' });
    expect(await e.claim(mover.id, { projectId: p.projectId })).toBeNull();
    expect(await h.queue.ordered(h.t.db, { projectId: p.projectId, pool: 'red' }, 10)).toEqual([p.ids.get('1.1')!]);
    expect((await e.getTask(p.ids.get('1.1')!)).status).toBe('pending');
  });
});
