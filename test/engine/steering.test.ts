import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import type { FleetPort } from '../../app/github/ports.js';
import { recomputeCriticalPaths } from '../../app/plan/criticalPathHours.js';

/**
 * Issue 12: steering edits are engine use cases, and every edit that moves a level (an estimate,
 * a new dependency) recomputes the project's critical path hours through the one writer
 * (app/plan/criticalPathHours.ts), whichever door it came by: the API's task edit or GitHub.
 */
describe.each(['postgres', 'redis'] as const)('steering edits (%s ordering)', (backend) => {
  let h: EngineHarness;
  let port: FleetPort;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness(`steering`, backend);
    port = createSqlPort(h.t.db, { engine: engineHooks(h.engine) });
  });
  afterAll(() => h.cleanup());

  /** 1.1 (2h) ← 1.2 (3h) when `chained`, and a lone 1.3 (4h); levels computed by the one writer. */
  async function project(chained: boolean) {
    const p = await insertProject(
      h.t.db,
      [
        { key: '1.1', hours: 2 },
        { key: '1.2', hours: 3, ...(chained ? { deps: ['1.1'] } : {}) },
        { key: '1.3', hours: 4 },
      ],
      `acme/steering-${backend}-${++seq}`,
    );
    await h.t.db.transaction((tx) => recomputeCriticalPaths(tx, p.projectId));
    await prime(h.engine);
    const cp = async (key: string) => (await h.engine.getTask(p.ids.get(key)!)).criticalPathHours;
    return { ...p, cp };
  }

  it("the API's estimate edit (engine.updateTask) recomputes the levels upstream of the task", async () => {
    const p = await project(true);
    expect(await p.cp('1.1')).toBe(5);
    await h.engine.updateTask(p.ids.get('1.2')!, { estimatedHours: 10 });
    expect(await p.cp('1.2')).toBe(10);
    expect(await p.cp('1.1')).toBe(12);
    // The ready order follows: 1.1 (12h of chain) now goes before 1.3 (4h).
    const ready = (await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key);
    expect(ready).toEqual(['1.1', '1.3']);
  });

  it('setEstimate recomputes the levels, and reports no change when the estimate is the same', async () => {
    const p = await project(true);
    const r = await h.engine.setEstimate(p.ids.get('1.1')!, 7);
    expect(r.changed).toBe(true);
    expect(await p.cp('1.1')).toBe(10);
    expect((await h.engine.setEstimate(p.ids.get('1.1')!, 7)).changed).toBe(false);
  });

  it("GitHub's new dependency (addDependencies) recomputes the prerequisite's level and takes the dependent out of the queue", async () => {
    const p = await project(false);
    expect(await p.cp('1.1')).toBe(2);
    const r = await port.addDependencies(p.ids.get('1.2')!, [p.ids.get('1.1')!]);
    expect(r).toEqual({ added: 1, refused: [] });
    expect(await p.cp('1.1')).toBe(5);
    const ready = (await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key);
    expect(ready).toEqual(['1.1', '1.3']);
  });

  it('addDependencies refuses a cycle, itself and a task of another project', async () => {
    const p = await project(true);
    const other = await project(false);
    const r = await h.engine.addDependencies(p.ids.get('1.1')!, [p.ids.get('1.2')!, p.ids.get('1.1')!, other.ids.get('1.1')!]);
    expect(r.added).toBe(0);
    expect(r.refused).toEqual([
      '1.1 → 1.2 would make a cycle',
      '1.1 cannot depend on itself',
      `task ${other.ids.get('1.1')!} is not in this project`,
    ]);
  });

  it('hold, priority and pool are engine edits that re-order or route the queue', async () => {
    const p = await project(false);
    const id = p.ids.get('1.3')!;
    expect((await h.engine.setHeld(id, true)).changed).toBe(true);
    expect((await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key)).toEqual(['1.2', '1.1']);
    expect((await h.engine.setHeld(id, true)).changed).toBe(false);
    await h.engine.setHeld(id, false);
    await h.engine.setRequiredPool(id, 'gpu');
    expect((await h.engine.listReady({ projectId: p.projectId, pool: 'default', capabilities: [] })).map((t) => t.key)).toEqual(['1.2', '1.1']);
    await h.engine.setRequiredPool(id, null);
    expect((await h.engine.setPriority(p.ids.get('1.1')!, 0)).task.priority).toBe(0);
  });

  it('reindex puts back the index entry of a task whose row was written from outside', async () => {
    const p = await project(false);
    const id = p.ids.get('1.3')!;
    await h.t.db.query(`UPDATE tasks SET critical_path_hours = 1 WHERE id = $1`, [id]);
    await h.engine.reindex([id]);
    expect((await h.engine.listReady({ projectId: p.projectId })).map((t) => t.key)).toEqual(['1.2', '1.1', '1.3']);
  });
});
