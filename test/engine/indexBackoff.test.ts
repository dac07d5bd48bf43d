import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { TestDb } from '../support/db.js';
import { insertProject } from '../support/fixtures.js';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';

/**
 * Issue 13 (engine survivors): the ready index's back-off and dirty flag (app/engine/readyIndex.ts):
 * a fresh index is not dirty (its first check repairs, it does not rebuild); a failed write backs
 * the index off for exactly one second.
 * Also the claim gate (app/engine/engine.ts): a gate that refuses stops every claim until removed.
 */
describe('ready index back-off, dirty flag and the claim gate', () => {
  let h: EngineHarness;
  let t: TestDb;
  let redis: Redis;
  beforeAll(async () => {
    h = await engineHarness('indexBackoff', 'redis');
    ({ t } = h);
    redis = h.redis!;
  });
  afterAll(() => h.cleanup());

  it('a fresh index is checked, not rebuilt; the back-off after a failed write lasts one second', async () => {
    let clock = Date.now();
    const queue = h.queue;
    const engine = h.engineWith({ now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/backoff');
    await prime(engine);
    expect(await engine.maintainQueue()).toMatchObject({ rebuilt: false });
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];
    redis.disconnect();
    try {
      await engine.setHeld(a, true);
    } finally {
      await redis.connect();
    }
    // Exactly one second later the index is tried again: this write goes through.
    clock += 1000;
    await engine.setHeld(b, true);
    expect(await queue.ordered(t.db, { projectId: p.projectId }, 10)).toEqual([a]);
  });

  it('a claim gate that refuses stops claims until it is removed; a new claim has no run yet', async () => {
    const engine = h.engineWith({});
    const p = await insertProject(t.db, [{ key: '1.1' }], 'acme/gate');
    await prime(engine);
    const agent = await engine.heartbeatAgent({ name: 'gated', pool: 'linux' });
    const asked: [string, number | undefined][] = [];
    engine.setClaimGate(async (pool, projectId) => {
      asked.push([pool, projectId]);
      return false;
    });
    expect(await engine.claim(agent.id, { projectId: p.projectId })).toBeNull();
    expect(asked).toEqual([['linux', p.projectId]]);
    engine.setClaimGate(null);
    const c = await engine.claim(agent.id, { projectId: p.projectId });
    expect(c?.task.key).toBe('1.1');
    expect(c?.assignment.workflowRunId).toBeNull();
  });
});
