import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { Engine } from '../../app/engine/engine.js';
import { Periodic } from '../../app/engine/periodic.js';
import type { Db, Queryable } from '../../app/store/db.js';

/**
 * A Postgres that goes away on cue: once `trip` matches a statement, that statement and every
 * one after it fail with ECONNREFUSED until `up()` (what a restart looks like to a pool).
 */
function flakyDb(db: Db) {
  let down = false;
  let trip: ((sql: string) => boolean) | null = null;
  const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const check = (sql: string) => {
    if (!down && trip?.(sql)) {
      down = true;
      trip = null;
    }
    if (down) throw refused();
  };
  const wrap = (q: Queryable): Queryable => ({
    async query(sql, params) {
      check(sql);
      return q.query(sql, params);
    },
    async exec(sql) {
      check(sql);
      return q.exec(sql);
    },
  });
  const flaky: Db = {
    kind: db.kind,
    ...wrap(db),
    transaction: (fn) => {
      check('BEGIN');
      return db.transaction((tx) => fn(wrap(tx)));
    },
    close: () => db.close(),
  };
  return {
    db: flaky,
    failFrom(match: (sql: string) => boolean) {
      trip = match;
    },
    up() {
      down = false;
    },
  };
}

const silent = { warn: () => undefined, info: () => undefined };

describe('tasks stranded between the Redis index and Postgres', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('stranded', 'redis');
  });
  afterAll(() => h.cleanup());

  const indexed = (projectId: number) => h.queue.ordered(h.t.db, { projectId }, 100);

  it('a task popped from the index whose commit failed is back in the index as soon as Postgres answers', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'stranded/popped');
    const other = await insertProject(h.t.db, [{ key: '1.1' }], 'stranded/other');
    await prime(h.engine);
    const f = flakyDb(h.t.db);
    const engine = new Engine({ db: f.db, queue: h.queue, events: h.events, log: silent });
    const a = await engine.heartbeatAgent({ name: 'stranded-a', capacity: 10 });
    expect(await indexed(p.projectId)).toEqual([p.ids.get('1.1')]);

    // The index pops 1.1, then the commit hits a Postgres that is restarting.
    f.failFrom((sql) => sql.includes('INSERT INTO assignments'));
    await expect(engine.claim(a.id, { projectId: p.projectId })).rejects.toThrow(/ECONNREFUSED/);
    expect(await indexed(p.projectId)).toEqual([]);

    // Postgres answers again: the next request through this engine puts 1.1 back.
    f.up();
    expect((await engine.claim(a.id, { projectId: other.projectId }))?.task.key).toBe('1.1');
    expect(await indexed(p.projectId)).toEqual([p.ids.get('1.1')]);
    const task = await engine.getTask(p.ids.get('1.1')!);
    expect(task).toMatchObject({ status: 'pending', ready: true });
  });

  it('an empty answer from the index is checked against Postgres, and the ready task is handed out', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], 'stranded/empty');
    await prime(h.engine);
    // The entry is gone from Redis (lost write, eviction) while Postgres says the task is ready.
    await h.queue.remove([p.ids.get('1.1')!]);
    const a = await h.engine.heartbeatAgent({ name: 'stranded-empty', capacity: 10 });
    const c = await h.engine.claim(a.id, { projectId: p.projectId });
    expect(c?.task.key).toBe('1.1');
    expect(await h.engine.claim(a.id, { projectId: p.projectId })).toBeNull();
  });

  it('the periodic round notices an index that is missing entries and repairs it', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1', cp: 5 }, { key: '1.2', cp: 3 }, { key: '1.3', cp: 1 }], 'stranded/round');
    await prime(h.engine);
    await h.queue.remove([p.ids.get('1.2')!]);
    expect(await indexed(p.projectId)).toEqual([p.ids.get('1.1'), p.ids.get('1.3')]);
    const periodic = new Periodic({ db: h.t.db, engine: h.engine, log: silent, intervalMs: 60_000 });
    expect(await periodic.runOnce()).toBe(true);
    expect(await indexed(p.projectId)).toEqual([p.ids.get('1.1'), p.ids.get('1.2'), p.ids.get('1.3')]);
  });
});
