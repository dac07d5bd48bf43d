import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../app/store/db.js';
import { freshDb } from '../support/db.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { seedPlan, type SeedProgress } from '../../app/plan/seedPlan.js';
import { EXAMPLE_PLAN, generatedListPlan, read } from './helpers.js';

const exampleText = read(EXAMPLE_PLAN);
const example = parsePlan(exampleText);

let db: Db;
beforeEach(async () => {
  ({ db } = await freshDb('seed_plan', { backend: 'pglite' }));
});
afterEach(() => db.close());

const readyKeys = async (project = 'local/example') =>
  (
    await db.query<{ key: string }>(
      `SELECT r.key FROM task_readiness r JOIN projects p ON p.id = r.project_id
       WHERE r.ready AND p.owner || '/' || p.repo = $1 ORDER BY r.key`,
      [project],
    )
  ).rows.map((r) => r.key);

describe('seedPlan', () => {
  it('writes the example plan; the ready tasks are exactly 1.1, 3.1 and 4.1', async () => {
    const r = await seedPlan(db, example);
    expect(r.project).toMatchObject({ owner: 'local', repo: 'example', created: true });
    expect(r.epics).toEqual({ created: 5, updated: 0, unchanged: 0, deleted: 0 });
    expect(r.tasks).toEqual({ created: 27, updated: 0, unchanged: 0, deleted: 0 });
    // 39 task→task, 1 task→epic pair on 5.2, and epics 2 and 5 on their prerequisites.
    expect(r.dependencies.created).toBe(
      example.tasks.reduce((n, t) => n + t.dependsOn.length, 0) + example.epics.reduce((n, e) => n + e.dependsOn.length, 0),
    );
    expect(await readyKeys()).toEqual(['1.1', '3.1', '4.1']);

    const { rows } = await db.query<{ key: string; critical_path_hours: number; estimated_hours: number; priority: number; deliverables: string[] }>(
      `SELECT key, critical_path_hours, estimated_hours, priority, deliverables FROM tasks WHERE key IN ('3.1', '5.4', '1.1')  ORDER BY key`,
    );
    expect(rows.map((x) => [x.key, x.critical_path_hours, x.estimated_hours, x.priority])).toEqual([
      ['1.1', expect.any(Number), 8, 0],
      ['3.1', 116, 16, 1],
      ['5.4', 60, 60, 2],
    ]);
    expect(rows[0]!.deliverables).toContain('Repository contract');
    const gate = await db.query<{ threshold_percent: number }>(
      `SELECT d.threshold_percent FROM dependencies d JOIN epics e ON e.id = d.epic_id WHERE e.key = '2'`,
    );
    expect(gate.rows).toEqual([{ threshold_percent: 50 }]);
  });

  it('is idempotent: seeding the same plan again changes nothing', async () => {
    await seedPlan(db, example, { project: 'acme/fleet' });
    const snapshot = async () => (await db.query('SELECT key, title, updated_at, estimated_hours FROM tasks ORDER BY key')).rows;
    const before = await snapshot();
    const again = await seedPlan(db, example, { project: 'acme/fleet' });
    expect(again.project.created).toBe(false);
    expect(again.epics).toEqual({ created: 0, updated: 0, unchanged: 5, deleted: 0 });
    expect(again.tasks).toEqual({ created: 0, updated: 0, unchanged: 27, deleted: 0 });
    expect(again.dependencies.created + again.dependencies.updated + again.dependencies.deleted).toBe(0);
    expect(again.orphaned).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await readyKeys('acme/fleet')).toEqual(['1.1', '3.1', '4.1']);
  });

  it('applies an edited plan: titles, estimates and edges change, new tasks arrive, started or evidenced tasks are kept', async () => {
    await seedPlan(db, example);
    // 4.4 has started and 4.3 has evidence; 4.2 is untouched pending work.
    await db.query(`UPDATE tasks SET status = 'assigned' WHERE key = '4.4'`);
    await db.query(`INSERT INTO evidence (project_id, task_id, type, source) SELECT project_id, id, 'note', 'app' FROM tasks WHERE key = '4.3'`);

    const edited = exampleText
      .replace('Issue #1.1: Repository Base Types & Contracts (8 hours)', 'Issue #1.1: Repository Contracts (10 hours)')
      .replace('│   ├── Depends on: #2.1, #1.2\n', '│   ├── Depends on: #2.1\n')
      .replace(/├── Issue #4\.2:[\s\S]*?(?=└── Issue #4\.5)/, '├── Issue #4.6: Event Schemas (6 hours)\n│   └── Depends on: #4.1\n│\n')
      .replace('    ├── Depends on: #4.2, #4.3, #4.4\n', '    ├── Depends on: #4.6\n')
      .replace('**Dependencies:** Epic #1 must be 50% complete', '**Dependencies:** Epic #1 must be 75% complete');
    const plan = parsePlan(edited);
    expect(plan.errors).toEqual([]);
    expect(plan.tasks.map((t) => t.key)).toContain('4.6');

    const r = await seedPlan(db, plan);
    expect(r.tasks.created).toBe(1);
    expect(r.tasks.deleted).toBe(1); // 4.2
    expect(r.orphaned.map((o) => [o.key, o.status])).toEqual([['4.3', 'pending'], ['4.4', 'assigned']]);
    expect(r.orphaned[0]!.reason).toMatch(/evidence/);
    expect(r.dependencies.updated).toBe(1); // the 50% → 75% gate
    expect(r.dependencies.deleted).toBeGreaterThanOrEqual(4); // 2.2→1.2, 4.5→4.2/4.3/4.4, 4.x→4.1

    const task = async (key: string) => (await db.query<{ title: string; estimated_hours: number }>('SELECT title, estimated_hours FROM tasks WHERE key = $1', [key])).rows[0];
    expect(await task('1.1')).toEqual({ title: 'Repository Contracts', estimated_hours: 10 });
    expect(await task('4.2')).toBeUndefined();
    expect(await task('4.4')).toBeDefined();
    const deps22 = await db.query<{ key: string }>(
      `SELECT p.key FROM dependencies d JOIN tasks t ON t.id = d.task_id JOIN tasks p ON p.id = d.depends_on_task_id WHERE t.key = '2.2'`,
    );
    expect(deps22.rows.map((x) => x.key)).toEqual(['2.1']);

    const third = await seedPlan(db, plan);
    expect(third.tasks).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(third.orphaned).toHaveLength(2);
  });

  it('refuses a plan with errors and a malformed project name, writing nothing', async () => {
    await expect(seedPlan(db, parsePlan('nothing here'))).rejects.toThrow(/error/);
    await expect(seedPlan(db, example, { project: 'not a project' })).rejects.toThrow(/owner\/repo/);
    expect((await db.query('SELECT 1 FROM tasks')).rowCount).toBe(0);
  });

  it('reports progress on long plans', async () => {
    const seen: SeedProgress[] = [];
    const big = parsePlan(generatedListPlan(10, 100));
    const r = await seedPlan(db, big, { onProgress: (p) => seen.push(p) });
    expect(r.tasks.created).toBe(1000);
    expect(seen.filter((p) => p.phase === 'tasks').map((p) => p.done)).toContain(1000);
  });
});
