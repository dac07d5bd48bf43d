import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/**
 * Issue 13 (engine survivors): what a status change writes and refreshes (app/engine/status.ts):
 * completed_at set on done, cleared going back to pending, kept otherwise; the moved task leaves
 * the Redis index by either refresh; a leased task in progress or in review handed back goes to
 * pending; and the retry backoff only when the engine is told to use it.
 */
describe('status change columns and refreshes (Redis ordering)', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('statusColumns', 'redis');
  });
  afterAll(() => h.cleanup());

  async function oneTask() {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], `acme/columns-${++seq}`);
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    return { p, id, indexed: () => h.queue.ordered(h.t.db, { projectId: p.projectId }, 10) };
  }

  it('completed_at: set on done, kept on the way elsewhere, cleared back to pending', async () => {
    const { id } = await oneTask();
    await h.engine.moveTask(id, 'in_review', 'PR opened');
    expect((await h.engine.getTask(id)).completedAt).toBeNull();
    await h.engine.moveTask(id, 'done', 'merged');
    const done = await h.engine.getTask(id);
    expect(done.completedAt).toBeInstanceOf(Date);
    await h.engine.moveTask(id, 'pending', 'reopened');
    expect((await h.engine.getTask(id)).completedAt).toBeNull();
  });

  it('a moved task leaves the index, by the default refresh and by a re-index', async () => {
    const a = await oneTask();
    expect(await a.indexed()).toEqual([a.id]);
    await h.engine.moveTask(a.id, 'cancelled', 'not needed');
    expect(await a.indexed()).toEqual([]);
    const b = await oneTask();
    await h.engine.moveTask(b.id, 'cancelled', 'not needed', { refresh: 'reindex' });
    expect(await b.indexed()).toEqual([]);
  });

  it('a task in progress, and one in review with its lease, go back to pending when handed back', async () => {
    for (const via of ['in_progress', 'in_review'] as const) {
      const { p, id } = await oneTask();
      const agent = await h.engine.heartbeatAgent({ name: `back-${seq}` });
      const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
      await h.engine.moveTask(id, via, `to ${via}`, { endAssignmentAs: null });
      const t = await h.engine.endAssignment(c.assignment.id, 'released', 'agent stopped', { countAttempt: false });
      expect(t?.status).toBe('pending');
    }
  });

  it('a failed attempt waits out its backoff only when the engine uses retry backoff', async () => {
    const withBackoff = h.engineWith({ retryBackoff: true });
    for (const [e, held] of [[h.engine, false], [withBackoff, true]] as const) {
      const { p, id } = await oneTask();
      const agent = await e.heartbeatAgent({ name: `backoff-${seq}` });
      await e.claim(agent.id, { projectId: p.projectId });
      const t = await e.releaseTask(id, 'runner lost', { countAttempt: true });
      expect(t.status).toBe('pending');
      expect((await e.getTask(id)).held).toBe(held);
    }
  });
});
