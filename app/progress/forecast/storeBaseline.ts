import { hasBaseline } from './sql/hasBaseline.js';
import type { Db, Queryable } from '../../store/db.js';
import { baselineSchedule } from './baselineSchedule.js';
import { dateAfter, DEFAULT_HOURS_PER_DAY, LOCAL_FLEET_CAPACITY } from './fleetSettings.js';
import { workFromRows } from './fromRows.js';
import { readDependencyRows } from './sql/dependencyRows.js';
import { readEpicTotals } from './sql/epicTotals.js';
import { insertBaseline } from './sql/insertBaseline.js';
import { insertBaselineTasks } from './sql/insertBaselineTasks.js';
import { readRemainingTasks } from './sql/remainingTasks.js';

export interface StoreBaselineOptions {
  reason: 'seed' | 'sync' | 'request';
  /** Agents the plan assumes (the fleet's capacity; 16 for a local project unless given). */
  agents?: number;
  hoursPerDay?: number;
  /** Seed and sync store one only when the project has none; a request always does. */
  onlyIfMissing?: boolean;
}

export interface StoredBaseline {
  id: number;
  agents: number;
  hoursPerDay: number;
  makespanHours: number;
  tasks: number;
  createdAt: Date;
}

/**
 * Schedules the project's remaining work (HLFET, estimate pace) and stores it as the baseline,
 * in one transaction. Null when `onlyIfMissing` and the project already has one.
 */
export async function storeBaseline(db: Db, projectId: number, o: StoreBaselineOptions): Promise<StoredBaseline | null> {
  return db.transaction((tx) => storeBaselineIn(tx, projectId, o));
}

/**
 * The same inside a transaction the caller holds: seeding and sync call it after writing the
 * plan (`await storeBaselineIn(tx, projectId, { reason: 'seed' })`), so the first plan a project
 * gets is its baseline and later ones leave it alone.
 */
export async function storeBaselineIn(tx: Queryable, projectId: number, o: StoreBaselineOptions): Promise<StoredBaseline | null> {
  const agents = Math.max(1, Math.floor(o.agents ?? LOCAL_FLEET_CAPACITY));
  const hoursPerDay = o.hoursPerDay ?? DEFAULT_HOURS_PER_DAY;
  const onlyIfMissing = o.onlyIfMissing ?? o.reason !== 'request';
  // Every seed and push passes here: once a project has its baseline, skip reading and scheduling
  // the whole plan only for the insert to keep the old one (the insert still checks, under the lock).
  if (onlyIfMissing && (await hasBaseline(tx, projectId))) return null;
  const [rows, deps, epics] = [await readRemainingTasks(tx, projectId), await readDependencyRows(tx, projectId), await readEpicTotals(tx, projectId)];
  const work = workFromRows(rows, deps, epics);
  const plan = baselineSchedule(work, agents);
  const head = await insertBaseline(tx, {
    projectId,
    agents,
    hoursPerDay,
    makespanHours: Math.round(plan.makespan * 100) / 100,
    reason: o.reason,
    onlyIfMissing,
  });
  if (!head) return null;
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const keyOf = new Map(rows.map((r) => [r.id, r.key]));
  await insertBaselineTasks(
    tx,
    head.id,
    plan.tasks.map((t) => ({
      taskId: work.ids[t.task]!,
      key: keyOf.get(work.ids[t.task]!)!,
      estimatedHours: work.graph.hours[t.task]!,
      startHours: r2(t.start),
      finishHours: r2(t.finish),
      start: dateAfter(head.createdAt, t.start, hoursPerDay),
      finish: dateAfter(head.createdAt, t.finish, hoursPerDay),
    })),
  );
  return { id: head.id, agents, hoursPerDay, makespanHours: r2(plan.makespan), tasks: plan.tasks.length, createdAt: head.createdAt };
}
