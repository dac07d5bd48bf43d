import type { Db } from '../../store/db.js';
import type { PlanHooks } from '../context.js';
import { seedPlanRows } from '../../plan/seedPlan.js';
import { toSyncPlan } from './plan.js';

/** The plan parser's entry point (app/plan/parse/parsePlan.ts): text in, plan with its errors out. */
export type ParsePlanFn = (text: string, file?: string) => unknown;

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

/** Runs the parser and keeps what sync needs; never throws. */
export function parseWith(parse: ParsePlanFn, text: string): ReturnType<PlanHooks['parse']> {
  let raw: unknown;
  try {
    raw = parse(text, 'plan');
  } catch (err) {
    return { plan: null, errors: [{ line: 1, message: `the plan could not be read: ${(err as Error).message}` }] };
  }
  const rawErrors = (raw as { errors?: unknown } | null)?.errors;
  const errors = Array.isArray(rawErrors)
    ? (rawErrors as { line?: unknown; message?: unknown }[]).map((e) => ({
        line: typeof e.line === 'number' ? e.line : 1,
        message: String(e.message ?? 'error'),
      }))
    : [];
  const plan = toSyncPlan(raw);
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
    seed: seed ?? (async (projectId, plan) => ({ taskIds: (await seedPlanRows(db, projectId, plan)).taskIds })),
  };
}
