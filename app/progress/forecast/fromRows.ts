import { remainingWork, type DependencyRow, type EpicTotalsRow, type RemainingTask } from '../remainingWork.js';
import type { RemainingWork } from './monteCarlo.js';

export type { DependencyRow, EpicTotalsRow } from '../remainingWork.js';

/** Database rows of the work left, as app/progress/forecast/sql/remainingTasks.ts reads them. */
export interface WorkRow extends RemainingTask {
  key: string;
  percent: number;
}

/** The remaining work as the scheduler's graph (app/progress/remainingWork.ts), with the task ids in graph order. */
export function workFromRows(rows: readonly WorkRow[], deps: readonly DependencyRow[], epics: readonly EpicTotalsRow[]): RemainingWork & { ids: number[] } {
  const w = remainingWork(rows, deps, epics);
  return { graph: w.graph, running: w.running, epicDone: w.epicDone, ids: w.tasks.map((t) => t.id) };
}
