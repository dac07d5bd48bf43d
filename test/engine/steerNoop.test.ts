import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): a steering edit that changes nothing leaves the ready index as it
 * is (it is re-indexed only when it changed something), unlike the API's task edit, which always
 * re-indexes (test/engine/indexUpkeep.test.ts).
 */
describe('a steering edit that changes nothing (Redis ordering)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('steerNoop', 'redis');
  });
  afterAll(() => h.cleanup());

  it('does not touch the index; one that changes something re-indexes', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1', priority: 2 }], 'acme/noop');
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);
    await h.queue.remove([id]);
    expect((await h.engine.setPriority(id, 2)).changed).toBe(false);
    expect(await indexed()).toEqual([]);
    expect((await h.engine.setPriority(id, 1)).changed).toBe(true);
    expect(await indexed()).toEqual([id]);
  });
});
