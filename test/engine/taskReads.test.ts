import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/** Issue 13 (engine survivors): what a task still waits for, and deliverables stored as something other than a list. */
describe('task reads', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('taskReads', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('unmetDependencies lists what the task waits for, and nothing once it is done', async () => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3', deps: ['1.1', '1.2'] }], 'acme/unmet');
    await prime(h.engine);
    const id = p.ids.get('1.3')!;
    expect(await h.engine.unmetDependencies(id)).toEqual(['1.1', '1.2']);
    await h.engine.setStatus(p.ids.get('1.1')!, 'done', 'merged');
    expect(await h.engine.unmetDependencies(id)).toEqual(['1.2']);
    expect(await h.engine.unmetDependencies(p.ids.get('1.1')!)).toEqual([]);
  });

  it('deliverables are read as a list, and as none when the stored value is not one', async () => {
    const p = await insertProject(h.t.db, [{ key: '2.1' }, { key: '2.2' }], 'acme/deliverables');
    const [a, b] = [p.ids.get('2.1')!, p.ids.get('2.2')!];
    await h.t.db.query(`UPDATE tasks SET deliverables = '["docs/a.md"]'::jsonb WHERE id = $1`, [a]);
    await h.t.db.query(`UPDATE tasks SET deliverables = '{"path": "docs/b.md"}'::jsonb WHERE id = $1`, [b]);
    expect((await h.engine.getTask(a)).deliverables).toEqual(['docs/a.md']);
    expect((await h.engine.getTask(b)).deliverables).toEqual([]);
  });
});
