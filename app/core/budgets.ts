/**
 * Spend caps across every agent: per task, per epic, per day (USD) and per task (minutes of agent
 * time). Pure: the budgets from `.github/fleet.yml` (or the project's API setting) and the spend
 * rollups in, a decision out. The caller sums the spend (the running task's latest cumulative
 * usage included); this module only compares.
 */

export interface Budgets {
  perTaskUsd?: number;
  perEpicUsd?: number;
  perDayUsd?: number;
  perTaskMinutes?: number;
}

/** What has been spent so far, in the scopes the budgets cap. Missing numbers count as 0. */
export interface SpendRollup {
  /** The task's spend across all its attempts and rounds. */
  taskUsd?: number;
  /** The spend of every task of the task's epic (0 or absent for a task outside any epic). */
  epicUsd?: number;
  /** The project's spend in the current day (the caller picks the day boundary). */
  dayUsd?: number;
  /** The task's agent wall time across all its attempts and rounds. */
  taskMinutes?: number;
}

export type BudgetScope = 'task' | 'epic' | 'day' | 'task_minutes';

export interface ExhaustedBudget {
  scope: BudgetScope;
  limit: number;
  spent: number;
  unit: 'usd' | 'minutes';
}

export type HandOutDecision = { ok: true } | { ok: false; hold: 'budget'; exhausted: ExhaustedBudget[]; message: string };
export type RunningDecision = { stop: false } | { stop: true; reason: 'budget'; exhausted: ExhaustedBudget[]; message: string };

const SCOPES: readonly { scope: BudgetScope; budget: keyof Budgets; spend: keyof SpendRollup; unit: 'usd' | 'minutes' }[] = [
  { scope: 'task', budget: 'perTaskUsd', spend: 'taskUsd', unit: 'usd' },
  { scope: 'epic', budget: 'perEpicUsd', spend: 'epicUsd', unit: 'usd' },
  { scope: 'day', budget: 'perDayUsd', spend: 'dayUsd', unit: 'usd' },
  { scope: 'task_minutes', budget: 'perTaskMinutes', spend: 'taskMinutes', unit: 'minutes' },
];

function amount(n: number | undefined): number {
  // A sum that is not a number (a bug upstream) must not read as "nothing spent" forever, nor as
  // "everything spent"; it reads as 0 and the next correct rollup decides.
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

function limitOf(n: number | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : null;
}

/** Every budget that is spent: spend at or above its limit. In task, epic, day, minutes order. */
export function exhaustedBudgets(budgets: Budgets, spend: SpendRollup): ExhaustedBudget[] {
  const out: ExhaustedBudget[] = [];
  for (const s of SCOPES) {
    const limit = limitOf(budgets[s.budget]);
    if (limit === null) continue;
    const spent = amount(spend[s.spend]);
    if (spent >= limit) out.push({ scope: s.scope, limit, spent, unit: s.unit });
  }
  return out;
}

/** What is left of each budget that is set (never below 0); absent for budgets that are not set. */
export function budgetLeft(budgets: Budgets, spend: SpendRollup): Partial<Record<BudgetScope, number>> {
  const out: Partial<Record<BudgetScope, number>> = {};
  for (const s of SCOPES) {
    const limit = limitOf(budgets[s.budget]);
    if (limit !== null) out[s.scope] = Math.max(0, limit - amount(spend[s.spend]));
  }
  return out;
}

const SCOPE_NAME: Record<BudgetScope, string> = { task: 'task', epic: 'epic', day: 'daily', task_minutes: 'task time' };

/** `task budget $5.00 spent ($5.12)`, `task time budget 60 min spent (61 min)`, joined by "; ". */
export function describeExhausted(exhausted: readonly ExhaustedBudget[]): string {
  return exhausted
    .map((e) =>
      e.unit === 'usd'
        ? `${SCOPE_NAME[e.scope]} budget $${e.limit.toFixed(2)} spent ($${e.spent.toFixed(2)})`
        : `${SCOPE_NAME[e.scope]} budget ${round1(e.limit)} min spent (${round1(e.spent)} min)`,
    )
    .join('; ');
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Before dispatch or claim: a task with any spent budget is held with reason `budget`. */
export function handOutDecision(budgets: Budgets, spend: SpendRollup): HandOutDecision {
  const exhausted = exhaustedBudgets(budgets, spend);
  if (!exhausted.length) return { ok: true };
  return { ok: false, hold: 'budget', exhausted, message: describeExhausted(exhausted) };
}

/**
 * While running (the heartbeat answer): stop once the task has crossed a budget. Every scope
 * counts: a daily cap that a running task could overrun would not hold.
 */
export function runningDecision(budgets: Budgets, spend: SpendRollup): RunningDecision {
  const exhausted = exhaustedBudgets(budgets, spend);
  if (!exhausted.length) return { stop: false };
  return { stop: true, reason: 'budget', exhausted, message: describeExhausted(exhausted) };
}
