import type { Db, Queryable } from '../store/db.js';
import { addToTally, emptyTally, type Tally } from './maths.js';
import type { SimEdge, SimStatus, SimTask } from './simulate.js';
import type { TallyRow } from './sql/readTallyRows.js';
import { tryRollupLock } from './sql/tryRollupLock.js';
import { foldRollupDeltas } from './sql/foldRollupDeltas.js';
import { deleteEmptyRollups } from './sql/deleteEmptyRollups.js';
import { readRemainingTasks } from './sql/readRemainingTasks.js';
import { readDependencyRows } from './sql/readDependencyRows.js';

/**
 * The progress module's reads over its statements (app/progress/sql, one statement each): the
 * tallies, their compaction, and the simulation's input. Every query is parameterised and bounded.
 */

export { readTallyRows, type TallyRow } from './sql/readTallyRows.js';
export { readEpics, type EpicRow } from './sql/readEpics.js';
export { readActiveAgents } from './sql/readActiveAgents.js';
export { readVelocityBases, type VelocityBase } from './sql/readVelocityBases.js';

/** Above this many unfolded deltas a reader folds them before answering. */
export const COMPACT_ABOVE = 5000;

/** Folds the deltas into the rollup; one process at a time (others skip). */
export async function compactRollup(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    if (!(await tryRollupLock(tx))) return 0;
    const n = await foldRollupDeltas(tx);
    await deleteEmptyRollups(tx);
    return n;
  });
}

/** Tallies per project and per epic from the rows (epic 0 = tasks without an epic). */
export function foldTallies(rows: readonly TallyRow[]): { byProject: Map<number, Tally>; byEpic: Map<number, Tally>; all: Tally } {
  const byProject = new Map<number, Tally>();
  const byEpic = new Map<number, Tally>();
  const all = emptyTally();
  for (const r of rows) {
    if (r.tasks === 0 && r.hours === 0) continue;
    const p = byProject.get(r.project_id) ?? byProject.set(r.project_id, emptyTally()).get(r.project_id)!;
    addToTally(p, r.status, r.tasks, r.hours);
    if (r.epic_id !== 0) {
      const e = byEpic.get(r.epic_id) ?? byEpic.set(r.epic_id, emptyTally()).get(r.epic_id)!;
      addToTally(e, r.status, r.tasks, r.hours);
    }
    addToTally(all, r.status, r.tasks, r.hours);
  }
  return { byProject, byEpic, all };
}

/** Every dependency row the simulation may need (unbounded in practice: a plan's own size). */
const ALL_DEPENDENCIES = 10_000_000;

/** The remaining work and its dependency rows, for the simulation. */
export async function readSimulationInput(db: Queryable, projectId: number | null): Promise<{ tasks: SimTask[]; edges: SimEdge[] }> {
  const [t, d] = await Promise.all([readRemainingTasks(db, projectId), readDependencyRows(db, projectId, ALL_DEPENDENCIES)]);
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    tasks: t.map((r) => ({
      id: Number(r.id),
      epicId: Number(r.epic_id),
      hours: Number(r.hours),
      // A held task is still work to do: the forecast assumes the hold is lifted.
      status: r.status as SimStatus,
      percentComplete: r.pct ?? 0,
      level: Number(r.level),
      priority: r.priority,
    })),
    edges: d.map((r) => ({
      taskId: n(r.task_id),
      epicId: n(r.epic_id),
      dependsOnTaskId: n(r.depends_on_task_id),
      dependsOnEpicId: n(r.depends_on_epic_id),
      thresholdPercent: Number(r.threshold_percent),
    })),
  };
}
