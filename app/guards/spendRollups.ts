import { budgetLeft, type Budgets } from '../core/budgets.js';
import type { TaskSpendRow } from './sql/taskSpend.js';

/** Spend per task, epic, project and day, with the burn rate and what is left of each budget. */
export interface SpendRollups {
  day_start: string;
  project: { spend_usd: number; day_usd: number; burn_rate_usd_per_hour: number; budget_left: Partial<Record<'day', number>> };
  epics: { epic_id: number; key: string; spend_usd: number; budget_left_usd: number | null }[];
  tasks: { task_id: number; key: string; epic_key: string | null; spend_usd: number; minutes: number; input_tokens: number; output_tokens: number; budget_left: Partial<Record<'task' | 'task_minutes', number>> }[];
}

/** The start (UTC midnight) of the day `now` falls in: the daily budget's boundary. */
export const dayStartOf = (now: number): Date => {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
};

/** Pure: the per-task spend rows and the budgets in, the rollups out. Burn rate: today's spend per hour of the day so far. */
export function spendRollups(budgets: Budgets, rows: readonly TaskSpendRow[], now: number): SpendRollups {
  const dayStart = dayStartOf(now);
  const total = rows.reduce((n, r) => n + r.usd, 0);
  const day = rows.reduce((n, r) => n + r.dayUsd, 0);
  const hours = Math.max((now - dayStart.getTime()) / 3_600_000, 1 / 60);
  const epics = new Map<number, { key: string; usd: number }>();
  for (const r of rows) {
    if (r.epicId === null) continue;
    const e = epics.get(r.epicId) ?? { key: r.epicKey ?? String(r.epicId), usd: 0 };
    e.usd += r.usd;
    epics.set(r.epicId, e);
  }
  const b = budgets;
  return {
    day_start: dayStart.toISOString(),
    project: {
      spend_usd: round(total),
      day_usd: round(day),
      burn_rate_usd_per_hour: round(day / hours),
      budget_left: budgetLeft(pick(b, ['perDayUsd']), { dayUsd: day }) as Partial<Record<'day', number>>,
    },
    epics: [...epics].map(([id, e]) => ({
      epic_id: id,
      key: e.key,
      spend_usd: round(e.usd),
      budget_left_usd: b.perEpicUsd === undefined ? null : round(Math.max(0, b.perEpicUsd - e.usd)),
    })),
    tasks: rows.map((r) => ({
      task_id: r.taskId,
      key: r.key,
      epic_key: r.epicKey,
      spend_usd: round(r.usd),
      minutes: round(r.minutes),
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
      budget_left: budgetLeft(pick(b, ['perTaskUsd', 'perTaskMinutes']), { taskUsd: r.usd, taskMinutes: r.minutes }) as Partial<Record<'task' | 'task_minutes', number>>,
    })),
  };
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function pick(b: Budgets, keys: (keyof Budgets)[]): Budgets {
  const out: Budgets = {};
  for (const k of keys) if (b[k] !== undefined) out[k] = b[k];
  return out;
}
