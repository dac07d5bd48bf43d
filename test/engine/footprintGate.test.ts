import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type Backend, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { Engine } from '../../app/engine/engine.js';
import { setPrFiles } from '../../app/github/sql/setPrFiles.js';
import type { Db, Queryable } from '../../app/store/db.js';

/** The db with every statement sent through it recorded, in order. */
function recording(db: Db): { db: Db; seen: string[] } {
  const seen: string[] = [];
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      seen.push(sql);
      return q.query(sql, params);
    },
    exec: (sql) => q.exec(sql),
  });
  const plain = wrap(db);
  return {
    seen,
    db: { kind: db.kind, query: plain.query, exec: plain.exec, transaction: (fn) => db.transaction((tx) => fn(wrap(tx))), close: () => db.close() },
  };
}

// Statements of the conflict-aware choice: its window (app/queue/sql/readyWindow.ts) and the busy
// set (conflictViews.ts), both reading tasks' footprints; also the per-claim gate this replaced.
const readsFootprints = (seen: string[]) => seen.some((sql) => /t\.footprint, t\.critical_path_hours|t\.footprint <> '\{\}'/.test(sql));

/**
 * Issue 12: the claim path no longer asks Postgres, on every claim, whether work under way names
 * files. It reads projects.footprint_tasks (kept by triggers, migration 0021): in the pick
 * statement on Postgres, as a set the pop script checks on Redis. These pin that the fact is kept
 * as footprints come and go while claims run.
 */
describe.each(['postgres', 'redis'] as Backend[])('the footprint gate of claims on %s', (backend) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('footgate', backend);
  });
  afterAll(() => h.cleanup());

  const agent = (name: string) => h.engine.heartbeatAgent({ name: `${backend}-${name}`, capacity: 10 });
  const counted = async (projectId: number) =>
    Number((await h.t.db.query<{ n: number }>('SELECT footprint_tasks AS n FROM projects WHERE id = $1', [projectId])).rows[0]!.n);
  const abc = [
    { key: '1.1', cp: 30, hours: 8 },
    { key: '1.2', cp: 20, hours: 8 },
    { key: '1.3', cp: 10, hours: 8 },
  ];

  it('avoids conflicts in a project whose first files arrive after claims started', async () => {
    const { projectId, ids } = await insertProject(h.t.db, abc, `first/${backend}`);
    await prime(h.engine);
    const [one, two] = [await agent('first-1'), await agent('first-2')];
    // No task names files yet: the plain claim.
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect(await counted(projectId)).toBe(0);
    // Then A's PR lists app/a.ts, and B and C name files too; nothing re-reads the index meanwhile.
    await setPrFiles(h.t.db, ids.get('1.1')!, ['app/a.ts']);
    await setPrFiles(h.t.db, ids.get('1.2')!, ['app/a.ts', 'app/b.ts']);
    await setPrFiles(h.t.db, ids.get('1.3')!, ['app/c.ts']);
    expect(await counted(projectId)).toBe(3);
    // B collides with A (and has slack), so C goes; B is not lost, only waiting.
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.3');
    expect(await h.engine.claim(two.id, { projectId })).toBeNull();
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toEqual(['1.2']);
  });

  it('stops paying for the choice once every task of the project names no files', async () => {
    const { projectId, ids } = await insertProject(h.t.db, [...abc, { key: '1.4', cp: 5, hours: 8 }], `gone/${backend}`);
    for (const [key, files] of [['1.1', ['app/a.ts']], ['1.2', ['app/b.ts']], ['1.3', ['app/c.ts']]] as const) await setPrFiles(h.t.db, ids.get(key)!, files);
    await prime(h.engine);
    const rec = recording(h.t.db);
    const engine = new Engine({ db: rec.db, queue: h.queue, events: h.events, leaseTtlSeconds: 600 });
    const one = await agent('gone-1');
    expect((await engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect(readsFootprints(rec.seen)).toBe(true);
    // The files go (a PR's files replaced by none, the plan naming none): the count drops to zero.
    for (const key of ['1.1', '1.2', '1.3']) await setPrFiles(h.t.db, ids.get(key)!, []);
    expect(await counted(projectId)).toBe(0);
    // One periodic round later (the Redis index learns it there; Postgres reads it at once).
    await h.engine.maintainQueue();
    rec.seen.length = 0;
    expect((await engine.claim(one.id, { projectId }))?.task.key).toBe('1.2');
    expect(rec.seen.length).toBeGreaterThan(0);
    expect(readsFootprints(rec.seen)).toBe(false);
  });

  it('keeps the count through inserts and deletes of tasks that name files', async () => {
    const { projectId, ids } = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }], `count/${backend}`);
    await h.t.db.query(`INSERT INTO tasks (project_id, key, title, plan_footprint, footprint) VALUES ($1, '1.9', 'x', '{a.ts}', '{a.ts}')`, [projectId]);
    await setPrFiles(h.t.db, ids.get('1.1')!, ['b.ts']);
    expect(await counted(projectId)).toBe(2);
    await h.t.db.query(`DELETE FROM tasks WHERE project_id = $1 AND key = '1.9'`, [projectId]);
    expect(await counted(projectId)).toBe(1);
  });
});
