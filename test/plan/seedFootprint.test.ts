import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../app/store/db.js';
import { freshDb } from '../support/db.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { seedPlan, seedPlanRows } from '../../app/plan/seedPlan.js';
import { parseWith } from '../../app/github/planSync/planHooks.js';
import { setPrFiles } from '../../app/github/sql/setPrFiles.js';
import { getTask } from '../../app/engine/reads.js';

/** Issue 14: the footprint the plan states reaches tasks.footprint by every door, and the PR's files join it. */

const plan = (files: string) =>
  [
    '# Plan',
    '',
    '## Epic 2: API (5 hours)',
    '',
    '- [ ] 2.1 Routes use repositories in `api/src/routes/vehicles.ts` (3 hours)',
    `  - Files: ${files}`,
    '- [ ] 2.2 Docs (2 hours)',
    '',
  ].join('\n');

let db: Db;
// One database for the file (migrating PGlite is the slow part); each test seeds its own project.
beforeAll(async () => {
  ({ db } = await freshDb('seed_footprint', { backend: 'pglite' }));
});
afterAll(() => db.close());

const footprints = async (pid: number) =>
  Object.fromEntries(
    (await db.query<{ key: string; footprint: string[]; plan_footprint: string[]; pr_files: string[] }>('SELECT key, footprint, plan_footprint, pr_files FROM tasks WHERE project_id = $1 ORDER BY key', [pid])).rows.map((r) => [
      r.key,
      { footprint: r.footprint, plan: r.plan_footprint, pr: r.pr_files },
    ]),
  );

describe('task footprints in the database', () => {
  it('`fleet seed` stores the plan footprint; the PR files join it; a later sync replaces only the plan part', async () => {
    const seeded = await seedPlan(db, parsePlan(plan('api/src/routes/, api/src/app.ts')));
    expect(await footprints(seeded.project.id)).toEqual({
      '2.1': { footprint: ['api/src/app.ts', 'api/src/routes/**', 'api/src/routes/vehicles.ts'], plan: ['api/src/app.ts', 'api/src/routes/**', 'api/src/routes/vehicles.ts'], pr: [] },
      '2.2': { footprint: [], plan: [], pr: [] },
    });
    const id = Number((await db.query<{ id: number }>(`SELECT id FROM tasks WHERE key = '2.1' AND project_id = $1`, [seeded.project.id])).rows[0]!.id);
    await setPrFiles(db, id, ['lib/util.ts', 'api/src/app.ts', 'lib/util.ts']);
    expect((await footprints(seeded.project.id))['2.1']).toEqual({
      footprint: ['api/src/app.ts', 'api/src/routes/**', 'api/src/routes/vehicles.ts', 'lib/util.ts'],
      plan: ['api/src/app.ts', 'api/src/routes/**', 'api/src/routes/vehicles.ts'],
      pr: ['api/src/app.ts', 'lib/util.ts'],
    });
    // A push of the plan file (the GitHub door) narrows the plan's globs; the PR's files stay.
    const parsed = parseWith(parsePlan, plan('docs/'));
    expect(parsed.errors).toEqual([]);
    const r = await seedPlanRows(db, seeded.project.id, parsed.plan!);
    expect(r.report.tasks.updated).toBe(1);
    expect((await footprints(seeded.project.id))['2.1']).toEqual({
      footprint: ['api/src/app.ts', 'api/src/routes/vehicles.ts', 'docs/**', 'lib/util.ts'],
      plan: ['api/src/routes/vehicles.ts', 'docs/**'],
      pr: ['api/src/app.ts', 'lib/util.ts'],
    });
    // Seeding the same plan again changes nothing.
    expect((await seedPlanRows(db, seeded.project.id, parsed.plan!)).report.tasks).toMatchObject({ updated: 0, unchanged: 2 });
  });

  it('the task read carries the footprint', async () => {
    const seeded = await seedPlan(db, parsePlan(plan('app/a.ts')), { project: 'acme/read' });
    const ctx = { db } as Parameters<typeof getTask>[0];
    expect((await getTask(ctx, '2.1', seeded.project.id)).footprint).toEqual(['api/src/routes/vehicles.ts', 'app/a.ts']);
  });
});
