import type { PlanEpic, PlanTask } from '../../../schema/plan.js';

/**
 * The plan as the issue sync sees it: epics and tasks with their keys, estimates and dependency
 * strings (`1.2`, `epic:1`, `epic:1@50`).
 */

/** Optional, and settable to undefined: the parts a hand-built or partial plan may leave out. */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };

/** An epic as the sync needs it: the plan's own type (schema/plan.ts), key and title required. */
export type SyncPlanEpic = Pick<PlanEpic, 'key' | 'title'> & Loose<Pick<PlanEpic, 'priority' | 'declaredHours' | 'hours' | 'dependsOn' | 'completionCriteria'>>;

/** A task as the sync needs it: the plan's own type, plus an optional priority of its own. */
export type SyncPlanTask = Pick<PlanTask, 'key' | 'epic' | 'title' | 'hours' | 'dependsOn'> & Loose<Pick<PlanTask, 'deliverables' | 'footprint'>> & { priority?: number | undefined };

export interface SyncPlan {
  epics: SyncPlanEpic[];
  tasks: SyncPlanTask[];
}

/** Accepts the parser's Plan (or its JSON form) and keeps what sync needs. */
export function toSyncPlan(plan: unknown): SyncPlan {
  const p = (plan ?? {}) as { epics?: unknown[]; tasks?: unknown[] };
  const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const strs = (v: unknown) => (Array.isArray(v) ? v.map(str).filter(Boolean) : []);
  const epics: SyncPlanEpic[] = [];
  const tasks: SyncPlanTask[] = [];
  for (const e of p.epics ?? []) {
    const o = e as Record<string, unknown>;
    epics.push({
      key: str(o.key),
      title: str(o.title),
      priority: num(o.priority),
      declaredHours: num(o.declaredHours) ?? null,
      hours: num(o.hours),
      dependsOn: strs(o.dependsOn),
      completionCriteria: strs(o.completionCriteria),
    });
    // Some plan shapes nest tasks in their epic.
    for (const t of Array.isArray(o.tasks) ? o.tasks : []) tasks.push(taskOf(t as Record<string, unknown>, str(o.key)));
  }
  for (const t of p.tasks ?? []) tasks.push(taskOf(t as Record<string, unknown>, ''));
  return { epics, tasks };

  function taskOf(o: Record<string, unknown>, epic: string): SyncPlanTask {
    return {
      key: str(o.key),
      epic: str(o.epic) || str(o.epicKey) || epic,
      title: str(o.title),
      hours: num(o.hours) ?? num(o.estimatedHours) ?? num(o.estimate) ?? 0,
      dependsOn: strs(o.dependsOn),
      deliverables: strs(o.deliverables),
      footprint: strs(o.footprint),
      priority: num(o.priority),
    };
  }
}
