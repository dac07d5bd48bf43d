import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): a claim that finds the Redis index short asks for a repair; once
 * that repair is over (and the least gap between repairs has passed), the next short index is
 * repaired again: one repair does not stop the later ones.
 */
describe('repairs a claim asks for (Redis ordering)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('claimRepairs', 'redis');
  });
  afterAll(() => h.cleanup());

  it('a second short index, after the gap, is repaired too', async () => {
    let clock = Date.now();
    const e = h.engineWith({ now: () => clock });
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }, { key: '1.4' }], 'acme/repairs');
    await prime(e);
    const agent = await e.heartbeatAgent({ name: 'repairs-agent', capacity: 5 });
    const ids = ['1.1', '1.2', '1.3', '1.4'].map((k) => p.ids.get(k)!);
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);

    // Until the repair a claim started is over (Claims.settled: for tests and shutdown).
    const settled = () => (e as unknown as { claims: { settled(): Promise<void> } }).claims.settled();

    await h.queue.remove(ids);
    expect((await e.claim(agent.id, { projectId: p.projectId }))?.task.id).toBe(ids[0]);
    await settled();
    expect(await indexed()).toEqual(ids.slice(1));

    clock += 5000;
    await h.queue.remove(ids.slice(1));
    expect((await e.claim(agent.id, { projectId: p.projectId }))?.task.id).toBe(ids[1]);
    await settled();
    expect(await indexed()).toEqual(ids.slice(2));
  });

  it('drain (shutdown) waits for the repair a claim started, so the pool is not closed under it', async () => {
    const e = h.engineWith({});
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], 'acme/repairs-drain');
    await prime(e);
    const agent = await e.heartbeatAgent({ name: 'repairs-drain-agent', capacity: 5 });
    const ids = ['1.1', '1.2', '1.3'].map((k) => p.ids.get(k)!);
    await h.queue.remove(ids);
    expect((await e.claim(agent.id, { projectId: p.projectId }))?.task.id).toBe(ids[0]);
    await e.drain();
    // Repaired by the time drain resolves: nothing else waited for it.
    expect(await h.queue.ordered(h.t.db, { projectId: p.projectId }, 10)).toEqual(ids.slice(1));
    expect(await e.claim(agent.id, { projectId: p.projectId })).toBeNull();
  });
});
