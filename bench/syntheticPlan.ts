import type { DependencyRow, EpicTotalsRow } from '../app/progress/forecast/fromRows.js';
import type { Rng } from '../app/progress/forecast/prng.js';

// ---------------------------------------------------------------- synthetic plans (rows, as the database holds them)

export interface Synthetic {
  tasks: { id: number; key: string; epicId: number; hours: number; priority: number }[];
  deps: DependencyRow[];
}

export function syntheticPlan(rng: Rng, size: number): Synthetic {
  const int = (lo: number, hi: number): number => lo + Math.floor(rng.next() * (hi - lo + 1));
  const epics = Math.max(1, Math.round(size / int(5, 25)));
  const reach = rng.next() < 0.5 ? int(1, 5) : int(10, Math.max(10, size));
  const depsPer = rng.next() < 0.2 ? 0 : int(1, 3);
  const tasks: Synthetic['tasks'] = [];
  const deps: DependencyRow[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < size; i++) {
    const e = Math.min(epics - 1, Math.floor((i * epics) / size)) + 1;
    tasks.push({ id: i + 1, key: `${e}.${i + 1}`, epicId: e, hours: rng.next() < 0.1 ? int(16, 40) : int(1, 12), priority: 2 });
    for (let d = 0; d < depsPer && i > 0; d++) {
      const j = i - int(1, Math.min(i, reach));
      const k = `${i}>${j}`;
      if (seen.has(k)) continue;
      seen.add(k);
      deps.push({ taskId: i + 1, epicId: null, dependsOnTaskId: j + 1, dependsOnEpicId: null, thresholdPercent: 100 });
    }
  }
  for (let e = 2; e <= epics; e++) {
    if (rng.next() < 0.25) deps.push({ taskId: null, epicId: e, dependsOnTaskId: null, dependsOnEpicId: int(1, e - 1), thresholdPercent: [25, 50, 75, 100][int(0, 3)]! });
  }
  return { tasks, deps };
}

export const epicTotals = (p: Synthetic, done: Set<number>): EpicTotalsRow[] => {
  const by = new Map<number, EpicTotalsRow>();
  for (const t of p.tasks) {
    const e = by.get(t.epicId) ?? by.set(t.epicId, { id: t.epicId, hoursTotal: 0, hoursDone: 0, tasksTotal: 0, tasksDone: 0 }).get(t.epicId)!;
    e.hoursTotal += t.hours;
    e.tasksTotal++;
    if (done.has(t.id)) {
      e.hoursDone += t.hours;
      e.tasksDone++;
    }
  }
  return [...by.values()];
};

