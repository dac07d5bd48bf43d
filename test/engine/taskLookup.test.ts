import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { NotFoundError } from '../../app/core/errors.js';

/**
 * Issue 13 (engine survivors): getTask by id or key (app/engine/reads.ts): spaces around an id,
 * ids too long to be one (16 digits or more) refused as such, keys that only start or end with
 * digits looked up as keys, and the ready list leaving out what the index still lists but is no
 * longer ready.
 */
describe('task lookup by id or key (Redis ordering)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('engineTaskLookup', 'redis');
  });
  afterAll(() => h.cleanup());

  it('finds by id with spaces around it, and by keys that start or end with many digits or have none', async () => {
    const keys = ['1.1', 'a1234567890123456', '1234567890123456.1', 'abcdefghijklmnopq'];
    const p = await insertProject(h.t.db, keys.map((key) => ({ key })), 'acme/lookup');
    await prime(h.engine);
    const id = p.ids.get('1.1')!;
    expect((await h.engine.getTask(` ${id} `)).id).toBe(id);
    for (const k of keys.slice(1)) expect((await h.engine.getTask(k)).id).toBe(p.ids.get(k));
  });

  it('an id of 16 digits or more is not found, named (cut to 40 characters) as an id', async () => {
    const long = '9'.repeat(50);
    const err = await h.engine.getTask(long).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toBe(`no task with id "${'9'.repeat(40)}"`);
    const sixteen = await h.engine.getTask('1234567890123456').catch((e: unknown) => e);
    expect((sixteen as Error).message).toBe('no task with id "1234567890123456"');
    const missing = await h.engine.getTask('no-such-key').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('no task with id or key "no-such-key"');
  });

  it('the ready list leaves out a task the index lists but that is no longer ready', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], 'acme/lookup-ready');
    await prime(h.engine);
    await h.t.db.query(`UPDATE tasks SET held = true WHERE id = $1`, [p.ids.get('1.1')!]);
    expect(await h.queue.ordered(h.t.db, { projectId: p.projectId }, 10)).toHaveLength(2);
    expect((await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key)).toEqual(['1.2']);
  });
});
