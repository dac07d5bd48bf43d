import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import type { EngineEvent } from '../../app/engine/types.js';

/**
 * Issue 13 (engine survivors): the ready index (Redis) after rows were written from outside:
 * the API's task edit puts a ready task back even when nothing differed, a task that is not ready
 * leaves it even when its ready_since was already cleared, and a status change is announced.
 */
describe('ready index upkeep after edits and status changes (Redis ordering)', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('indexUpkeep', 'redis');
  });
  afterAll(() => h.cleanup());

  async function oneTask() {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], `acme/upkeep-${++seq}`);
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    const indexed = () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10);
    expect(await indexed()).toEqual([id]);
    return { id, indexed };
  }

  it('the task edit re-indexes the task even when its row did not change', async () => {
    const { id, indexed } = await oneTask();
    await h.queue.remove([id]);
    expect(await indexed()).toEqual([]);
    await h.engine.updateTask(id, {});
    expect(await indexed()).toEqual([id]);
  });

  it('a task no longer ready leaves the index even if its ready_since was already cleared', async () => {
    const { id, indexed } = await oneTask();
    // Finished from outside: the row says done and not ready, the index still lists it.
    await h.t.db.query(`UPDATE tasks SET status = 'done', ready_since = NULL WHERE id = $1`, [id]);
    expect(await indexed()).toEqual([id]);
    await h.engine.reindex([id]);
    expect(await indexed()).toEqual([]);
    expect((await h.engine.maintainQueue()).rebuilt).toBe(false);
  });

  it('a status change is announced with the task as it is now', async () => {
    const { id } = await oneTask();
    const seen: EngineEvent[] = [];
    const off = h.events.subscribe((e) => seen.push(e));
    await h.engine.setStatus(id, 'cancelled', 'not needed');
    off();
    expect(seen.filter((e) => e.type === 'task.updated').map((e) => e.data)).toContainEqual({ id, key: '1.1', status: 'cancelled', held: false });
  });
});
