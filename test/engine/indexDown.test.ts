import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { TestDb } from '../support/db.js';
import { insertProject } from '../support/fixtures.js';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';

/**
 * Issue 13 (engine survivors): the ready index while Redis cannot answer (app/engine/readyIndex.ts):
 * the ready list comes from Postgres ordering, a failed write is logged once and backs the index
 * off, writes while backed off mark it dirty, and the next check rebuilds it for that reason.
 */
describe('the ready index while Redis is unreachable', () => {
  let h: EngineHarness;
  let t: TestDb;
  let redis: Redis;
  beforeAll(async () => {
    h = await engineHarness('indexDown', 'redis');
    ({ t } = h);
    redis = h.redis!;
  });
  afterAll(() => h.cleanup());

  it('reads fall back to Postgres, a failed write backs off and marks the index for a rebuild', async () => {
    let clock = Date.now();
    const warnings: { obj: unknown; msg: string | undefined }[] = [];
    const log = { warn: (obj: unknown, msg?: string) => void warnings.push({ obj, msg }), info: () => undefined };
    const engine = h.engineWith({ log, now: () => clock });
    const p = await insertProject(t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/index-down');
    await prime(engine);
    const [a, b] = [p.ids.get('1.1')!, p.ids.get('1.2')!];

    redis.disconnect();
    try {
      expect((await engine.listReady({ projectId: p.projectId })).map((x) => x.id)).toEqual([a, b]);
      // The status change goes through; the index write fails and is logged once.
      expect((await engine.setHeld(a, true)).changed).toBe(true);
      const failed = warnings.filter((w) => w.msg === 'ready index update failed; it will be rebuilt');
      expect(failed).toHaveLength(1);
      expect((failed[0]!.obj as { err: string }).err).toMatch(/redis/);
      // Backed off (the clock has not moved): this write is not tried, only remembered.
      expect((await engine.setHeld(b, true)).changed).toBe(true);
      expect(warnings.filter((w) => w.msg === 'ready index update failed; it will be rebuilt')).toHaveLength(1);
    } finally {
      await redis.connect();
    }
    clock += 5000;
    const m = await engine.maintainQueue();
    expect(m).toMatchObject({ rebuilt: true, reason: 'writes failed' });
    expect(await engine.listReady({ projectId: p.projectId })).toEqual([]);
  });
});
