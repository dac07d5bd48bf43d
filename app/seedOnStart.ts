import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Db } from './store/db.js';
import type { Engine } from './engine/engine.js';
import type { Env } from './config/env.js';
import { parsePlan } from './plan/parse/parsePlan.js';
import { seedPlan } from './plan/seedPlan.js';
import { formatPlanIssue } from '../schema/plan.js';
import { countTasks } from './boot/sql/countTasks.js';
import { markProjectDemo } from './boot/sql/markProjectDemo.js';

export const EXAMPLE_PLAN = fileURLToPath(new URL('../seed/plans/remediation-plan.md', import.meta.url));

/** Whether any GitHub App setting is present: then this is no zero-configuration demo. */
export function githubAppConfigured(config: Env): boolean {
  return Boolean(config.APP_ID || config.WEBHOOK_SECRET || config.PRIVATE_KEY || config.PRIVATE_KEY_PATH);
}

/**
 * On a database with no tasks, seeds FLEET_SEED_PLAN; without one, and only for the
 * zero-configuration demo (no GitHub App configured), the example plan, so a first `npm start`
 * shows a real plan. The example is marked as the demo, so no GitHub Actions job ever sees it.
 * A database that already has tasks is left alone.
 */
export async function seedOnStart(o: { engine: Engine; db: Db; config: Env; log: Logger }): Promise<void> {
  if ((await countTasks(o.db)) > 0) return;
  if (o.config.FLEET_SEED_PLAN === 'none') return;
  const example = o.config.FLEET_SEED_PLAN === undefined;
  if (example && githubAppConfigured(o.config)) {
    o.log.info('a GitHub App is configured: the example plan is not seeded (set FLEET_SEED_PLAN to seed a plan of your own)');
    return;
  }
  const file = o.config.FLEET_SEED_PLAN ?? EXAMPLE_PLAN;
  const text = await readFile(file, 'utf8');
  const plan = parsePlan(text, file);
  if (plan.errors.length) {
    throw new Error(`cannot seed ${file}: ${plan.errors.map((e) => formatPlanIssue(file, e)).join('; ')}`);
  }
  const report = await seedPlan(o.db, plan, { project: o.config.FLEET_PROJECT, source: { path: file, text } });
  if (example) await markProjectDemo(o.db, report.project.id);
  o.log.info({ file, project: o.config.FLEET_PROJECT, tasks: report.tasks, epics: report.epics, demo: example }, 'seeded plan into the empty database');
}
