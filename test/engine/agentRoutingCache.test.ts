import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): on Redis ordering a claimer's routing (pool, capabilities) is
 * cached for two seconds (app/engine/claims.ts, AGENT_CACHE_MS): an agent moved to another pool
 * is routed by its old pool until then, by its new one from then on.
 */
describe("the claimer's routing cache (Redis ordering)", () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('agentRoutingCache', 'redis');
  });
  afterAll(() => h.cleanup());

  async function setup() {
    let clock = Date.now();
    const e = h.engineWith({ now: () => clock });
    const p = await insertProject(h.t.db, [{ key: '1.1', pool: 'blue' }], `acme/routing-${++seq}`);
    await prime(e);
    const name = `mover-${seq}`;
    const mover = await e.heartbeatAgent({ name, pool: 'red', capacity: 5 });
    // Cached as red: nothing for red.
    expect(await e.claim(mover.id, { projectId: p.projectId })).toBeNull();
    await e.heartbeatAgent({ name, pool: 'blue' });
    return { e, p, mover, tick: (ms: number) => (clock += ms) };
  }

  it('within two seconds the cached pool routes the claim', async () => {
    const { e, p, mover, tick } = await setup();
    tick(1999);
    expect(await e.claim(mover.id, { projectId: p.projectId })).toBeNull();
  });

  it('at two seconds the agent is read again and routed by its new pool', async () => {
    const { e, p, mover, tick } = await setup();
    tick(2000);
    expect((await e.claim(mover.id, { projectId: p.projectId }))?.task.key).toBe('1.1');
  });

  it("another agent's claim does not drop the cached routing", async () => {
    const { e, p, mover, tick } = await setup();
    const other = await e.heartbeatAgent({ name: `other-${seq}`, pool: 'green' });
    expect(await e.claim(other.id, { projectId: p.projectId })).toBeNull();
    tick(1000);
    expect(await e.claim(mover.id, { projectId: p.projectId })).toBeNull();
  });
});
