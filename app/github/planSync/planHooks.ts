import type { Db } from '../../store/db.js';
import type { PlanHooks } from '../context.js';
import { seedPlanRows } from '../../plan/seedPlan.js';
import type { Plan } from '../../../schema/plan.js';
import { describeError } from '../../core/describeError.js';

/** The plan parser's entry point (app/plan/parse/parsePlan.ts): text in, the plan with its errors out. */
export type ParsePlanFn = (text: string, file?: string) => Plan;

/** Loads `parsePlan` from app/plan/parse when it is there (it is written separately); null otherwise. */
export async function loadPlanParser(): Promise<ParsePlanFn | null> {
  const spec = '../../plan/parse/parsePlan.js';
  try {
    const m = (await import(spec)) as { parsePlan?: ParsePlanFn };
    return typeof m.parsePlan === 'function' ? m.parsePlan : null;
  } catch {
    return null;
  }
}

/** Runs the parser: the plan (schema/plan.ts) when it has tasks and no errors, else the errors; never throws. */
export function parseWith(parse: ParsePlanFn, text: string): ReturnType<PlanHooks['parse']> {
  let plan: Plan;
  try {
    plan = parse(text, 'plan');
  } catch (err) {
    return { plan: null, errors: [{ line: 1, message: `the plan could not be read: ${describeError(err)}` }] };
  }
  const errors = plan.errors.map((e) => ({ line: e.line, message: e.message }));
  if (!plan.tasks.length && !errors.length) errors.push({ line: 1, message: 'the plan has no tasks' });
  return { plan: errors.length ? null : plan, errors };
}

/**
 * PlanHooks over a parser and the database. The seed port defaults to the one seeder,
 * app/plan/seedPlan.ts `seedPlanRows` (what `fleet seed` runs), without pruning: a push of the plan
 * file or `fleet sync` removes nothing.
 */
export function planHooks(db: Db, parse: ParsePlanFn, seed?: PlanHooks['seed']): PlanHooks {
  return {
    parse: (text) => parseWith(parse, text),
    seed:
      seed ??
      (async (projectId, plan, source) => {
        const r = await seedPlanRows(db, projectId, plan, { source });
        return { taskIds: r.taskIds, planTaskIds: r.planTaskIds };
      }),
  };
}
