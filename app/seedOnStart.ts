import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Db } from './store/db.js';
import type { Engine } from './engine/engine.js';
import type { Env } from './config/env.js';
import { parsePlan } from '../seed/parse/parsePlan.js';
import { seedPlan } from '../seed/seedPlan.js';
import { formatPlanIssue } from '../schema/plan.js';

export const EXAMPLE_PLAN = fileURLToPath(new URL('../seed/plans/remediation-plan.md', import.meta.url));

/**
 * On a database with no tasks, seeds FLEET_SEED_PLAN (default: the example plan), so a first
 * `npm start` shows a real plan. A database that already has tasks is left alone.
 */
export async function seedOnStart(o: { engine: Engine; db: Db; config: Env; log: Logger }): Promise<void> {
  const { rows } = await o.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks');
  if ((rows[0]?.n ?? 0) > 0) return;
  const file = o.config.FLEET_SEED_PLAN ?? EXAMPLE_PLAN;
  if (o.config.FLEET_SEED_PLAN === 'none') return;
  const plan = parsePlan(await readFile(file, 'utf8'), file);
  if (plan.errors.length) {
    throw new Error(`cannot seed ${file}: ${plan.errors.map((e) => formatPlanIssue(file, e)).join('; ')}`);
  }
  const report = await seedPlan(o.db, plan, { project: o.config.FLEET_PROJECT });
  o.log.info({ file, project: o.config.FLEET_PROJECT, tasks: report.tasks, epics: report.epics }, 'seeded plan into the empty database');
}
