import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../app/store/db.js';
import { freshDb } from '../support/db.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { seedPlan, seedPlanRows } from '../../app/plan/seedPlan.js';
import { parseWith } from '../../app/github/planSync/planHooks.js';
import { EXAMPLE_PLAN, read } from './helpers.js';

/**
 * One seeder (issue 12): `fleet seed`, a push of the plan file and `fleet sync` all write rows
 * through app/plan/seedPlan.ts. The plan the GitHub app parses (its sync shape, no line numbers)
 * writes the same rows as `fleet seed`, and without pruning it removes nothing.
 */

const text = read(EXAMPLE_PLAN);
let db: Db;
beforeEach(async () => {
  ({ db } = await freshDb('seed_plan_rows', { backend: 'pglite' }));
});
afterEach(() => db.close());

const rows = async () =>
  (
    await db.query<{ key: string; epic: string | null; title: string; estimated_hours: string; priority: number; source_line: number | null; cp: number }>(
      `SELECT t.key, e.key AS epic, t.title, t.estimated_hours::text, t.priority, t.source_line, t.critical_path_hours::float8 AS cp
       FROM tasks t LEFT JOIN epics e ON e.id = t.epic_id ORDER BY t.key`,
    )
  ).rows;
const edges = async () =>
  (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM dependencies')).rows[0]!.n;

describe('seedPlanRows, the one seeder', () => {
  it("writes from the GitHub app's parse exactly the rows `fleet seed` wrote, and changes none of them", async () => {
    const seeded = await seedPlan(db, parsePlan(text));
    const before = await rows();
    const edgesBefore = await edges();
    const parsed = parseWith(parsePlan, text);
    expect(parsed.errors).toEqual([]);
    const r = await seedPlanRows(db, seeded.project.id, parsed.plan!);
    expect(r.report.tasks).toEqual({ created: 0, updated: 0, unchanged: 27, deleted: 0 });
    expect(r.report.epics).toMatchObject({ created: 0, updated: 0, unchanged: 5 });
    expect(r.report.dependencies).toMatchObject({ created: 0, deleted: 0 });
    expect(await rows()).toEqual(before);
    expect(await edges()).toBe(edgesBefore);
    expect(r.taskIds).toHaveLength(27);
  });

  it('without pruning keeps an edge added by steering and a task the plan dropped; `fleet seed` reconciles both', async () => {
    const seeded = await seedPlan(db, parsePlan(text));
    const pid = seeded.project.id;
    // Steering: 4.1 now also waits for 3.1 (not in the plan).
    await db.query(
      `INSERT INTO dependencies (project_id, task_id, depends_on_task_id)
       SELECT $1, a.id, b.id FROM tasks a, tasks b WHERE a.project_id = $1 AND b.project_id = $1 AND a.key = '4.1' AND b.key = '3.1'`,
      [pid],
    );
    const parsed = parseWith(parsePlan, text).plan!;
    const dropped = { ...parsed, tasks: parsed.tasks.filter((t) => t.key !== '5.3') };
    const r = await seedPlanRows(db, pid, dropped);
    expect(r.report.tasks.deleted).toBe(0);
    expect(r.report.dependencies.deleted).toBe(0);
    const keys = (await rows()).map((x) => x.key);
    expect(keys).toContain('5.3');
    const steering = `SELECT count(*)::int AS n FROM dependencies d JOIN tasks a ON a.id = d.task_id JOIN tasks b ON b.id = d.depends_on_task_id
                      WHERE a.key = '4.1' AND b.key = '3.1'`;
    expect((await db.query<{ n: number }>(steering)).rows[0]!.n).toBe(1);

    const full = await seedPlan(db, parsePlan(text));
    expect(full.dependencies.deleted).toBe(1);
    expect((await db.query<{ n: number }>(steering)).rows[0]!.n).toBe(0);
  });
});
