import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject, type FixtureTask } from '../support/fixtures.js';

/**
 * Epic thresholds through the real readiness SQL (views epic_progress and task_readiness, kept in
 * tasks.ready_since by the engine): an epic dependency at N% opens once N% of the prerequisite
 * epic's estimated hours are done — not at 100%, not by task count, and not a hair early.
 */
describe('epic thresholds in the readiness SQL', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('thresholds', 'postgres');
  });
  afterAll(() => h.cleanup());

  /** Epic 1 with `hours`, and 2.1 waiting on epic 1 at `percent` (epic-level and task-level edge). */
  async function project(hours: number[], percent: number, edge: 'epic' | 'task' = 'epic') {
    const tasks: FixtureTask[] = hours.map((h, i) => ({ key: `1.${i + 1}`, hours: h }));
    tasks.push({ key: '2.1', hours: 5, ...(edge === 'task' ? { deps: [`epic:1@${percent}`] } : {}) });
    const { projectId, ids } = await insertProject(h.t.db, tasks, `acme/thresholds-${++seq}`, edge === 'epic' ? { '2': [`epic:1@${percent}`] } : {});
    await prime(h.engine);
    const done = async (...keys: string[]) => {
      for (const k of keys) await h.engine.setStatus(ids.get(k)!, 'done', 'test');
    };
    const open = async () => (await h.engine.listReady({ projectId })).some((t) => t.key === '2.1');
    const percentDone = async () =>
      Number((await h.t.db.query<{ percent: string }>(`SELECT percent FROM epic_progress WHERE project_id = $1 AND key = '1'`, [projectId])).rows[0]!.percent);
    return { ids, done, open, percentDone };
  }

  it.each(['epic', 'task'] as const)('opens at a 25 percent threshold once a quarter of the hours is done (%s-level edge)', async (edge) => {
    const p = await project([25, 75], 25, edge);
    expect(await p.open()).toBe(false);
    await p.done('1.1');
    expect(await p.percentDone()).toBe(25);
    expect(await p.open()).toBe(true);
  });

  it('opens exactly at the boundary: 50% of the hours at a 50% threshold', async () => {
    const p = await project([50, 50], 50);
    await p.done('1.1');
    expect(await p.percentDone()).toBe(50);
    expect(await p.open()).toBe(true);
  });

  it('stays closed just under the boundary: 49.9% of the hours at a 50% threshold', async () => {
    const p = await project([49.9, 50.1], 50);
    await p.done('1.1');
    expect(await p.percentDone()).toBe(49.9);
    expect(await p.open()).toBe(false);
    await p.done('1.2');
    expect(await p.open()).toBe(true);
  });

  it('counts hours, not tasks, when the hours are uneven', async () => {
    // 1h + 2h + 7h. Two small tasks done: 2 of 3 tasks (67%) but 30% of the hours.
    const byCount = await project([1, 2, 7], 50);
    await byCount.done('1.1', '1.2');
    expect(await byCount.percentDone()).toBe(30);
    expect(await byCount.open()).toBe(false);
    // The big task alone: 1 of 3 tasks (33%) but 70% of the hours.
    const byHours = await project([1, 2, 7], 50);
    await byHours.done('1.3');
    expect(await byHours.percentDone()).toBe(70);
    expect(await byHours.open()).toBe(true);
  });

  it('closes again when a done prerequisite is reopened below the threshold', async () => {
    const p = await project([25, 75], 25);
    await p.done('1.1');
    expect(await p.open()).toBe(true);
    await h.engine.setStatus(p.ids.get('1.1')!, 'pending', 'test');
    expect(await p.open()).toBe(false);
  });
});
