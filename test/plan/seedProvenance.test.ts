import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import { freshDb, type TestDb } from '../support/db.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { seedPlan, seedPlanRows } from '../../app/plan/seedPlan.js';
import { parseWith } from '../../app/github/planSync/planHooks.js';
import { taskProvenance } from '../../app/guards/sql/guardReads.js';
import { registerPlanCommands } from '../../app/cli/planCommands.js';
import { EXAMPLE_PLAN, read } from './helpers.js';

/**
 * Issue 15, "agents read only trusted text": the prompt header names the plan file and content hash
 * the task's text came from. A push of the plan file stored them; `fleet seed` did not, so tasks
 * seeded from a local file said "plan source not recorded". And only the plan's own tasks carry a
 * plan's provenance: a hand-written task whose critical-path level moved when the plan was synced
 * is not the plan's (once marked, its writers' issue edits would no longer reach it).
 */
const text = read(EXAMPLE_PLAN);
const hash = `sha256:${createHash('sha256').update(text).digest('hex')}`;
let t: TestDb;
beforeEach(async () => {
  t = await freshDb('seed_provenance', { backend: 'postgres' });
});
afterEach(async () => {
  await t.cleanup();
});

const taskId = async (key: string): Promise<number> =>
  Number((await t.db.query<{ id: string }>('SELECT id FROM tasks WHERE key = $1', [key])).rows[0]!.id);

describe('plan provenance at seed', () => {
  it('`fleet seed` stores the plan file path and content hash with every task (no commit: a local file)', async () => {
    const out: string[] = [];
    const program = new Command('fleet').exitOverride();
    registerPlanCommands(program, { stdout: { write: (s: string) => void out.push(s) }, stderr: { write: (s: string) => void out.push(s) }, env: { DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: t.schema } });
    try {
      await program.parseAsync(['seed', EXAMPLE_PLAN, '--project', 'acme/seeded'], { from: 'user' });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      throw new Error(`fleet seed exited ${e.exitCode}: ${out.join('')}`);
    }
    for (const key of ['1.1', '3.2', '5.5']) {
      expect(await taskProvenance(t.db, await taskId(key))).toEqual({ planPath: EXAMPLE_PLAN, planCommit: null, planHash: hash });
    }
  });

  it('a seed without a source records none', async () => {
    await seedPlan(t.db, parsePlan(text), { project: 'acme/nosource' });
    expect(await taskProvenance(t.db, await taskId('1.1'))).toBeNull();
  });

  it("a sync returns the plan's own tasks apart from a hand-written task whose level moved", async () => {
    const seeded = await seedPlan(t.db, parsePlan(text), { project: 'acme/sync', source: { path: 'plan.md', text } });
    const pid = seeded.project.id;
    // A hand-written task that 1.1 now waits for: its critical-path level follows 1.1's.
    const { rows } = await t.db.query<{ id: string }>(
      `INSERT INTO tasks (project_id, key, title, estimated_hours) VALUES ($1, 'H.1', 'hand-written', 1) RETURNING id`,
      [pid],
    );
    const hand = Number(rows[0]!.id);
    await t.db.query(`INSERT INTO dependencies (project_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)`, [pid, await taskId('1.1'), hand]);
    // The plan changes 1.1's estimate: 1.1's level moves, and so does the hand-written task's.
    const changed = text.replace('Issue #1.1: Repository Base Types & Contracts (8 hours)', 'Issue #1.1: Repository Base Types & Contracts (48 hours)');
    expect(changed).not.toBe(text);
    const r = await seedPlanRows(t.db, pid, parseWith(parsePlan, changed).plan!);
    expect(r.taskIds).toContain(hand);
    expect(r.planTaskIds).not.toContain(hand);
    expect(r.planTaskIds).toHaveLength(27);
  });
});
