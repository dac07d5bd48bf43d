import type { Db } from '../store/db.js';
import type { SyncPlan } from './planSync/plan.js';
import { lockCriticalPaths, recomputeCriticalPaths } from '../plan/criticalPathHours.js';

/**
 * Writes a plan's epics, tasks and dependency edges for a project: insert or update, never
 * delete (a task the plan dropped stays, and is reported as an orphan by the sync). This is the
 * app's own minimal seeding so a push of the plan file works on its own; `fleet seed` (seed/)
 * is the full version and can be injected instead.
 */
export async function seedPlanRows(db: Db, projectId: number, plan: SyncPlan): Promise<{ taskIds: number[]; created: number }> {
  return db.transaction(async (tx) => {
    await lockCriticalPaths(tx, projectId);
    const epicIds = new Map<string, number>();
    for (const e of plan.epics) {
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO epics (project_id, key, title, priority, declared_hours) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, key) DO UPDATE SET title = EXCLUDED.title, priority = EXCLUDED.priority,
           declared_hours = EXCLUDED.declared_hours, updated_at = now()
         RETURNING id`,
        [projectId, e.key, e.title.slice(0, 500), clampPriority(e.priority), e.declaredHours ?? null],
      );
      epicIds.set(e.key, Number(rows[0]!.id));
    }
    const taskIds = new Map<string, number>();
    let created = 0;
    for (const t of plan.tasks) {
      const { rows } = await tx.query<{ id: number; inserted: boolean }>(
        `INSERT INTO tasks (project_id, epic_id, key, title, deliverables, estimated_hours, priority)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)
         ON CONFLICT (project_id, key) DO UPDATE SET epic_id = EXCLUDED.epic_id, title = EXCLUDED.title,
           deliverables = EXCLUDED.deliverables, estimated_hours = EXCLUDED.estimated_hours
         RETURNING id, (xmax = 0) AS inserted`,
        [
          projectId,
          epicIds.get(t.epic) ?? null,
          t.key,
          t.title.slice(0, 500),
          JSON.stringify(t.deliverables ?? []),
          t.hours,
          clampPriority(t.priority ?? plan.epics.find((e) => e.key === t.epic)?.priority),
        ],
      );
      taskIds.set(t.key, Number(rows[0]!.id));
      if (rows[0]!.inserted) created++;
    }
    const edge = async (task: number | null, epic: number | null, dep: string) => {
      const m = /^epic:([^@]+)(?:@(\d+(?:\.\d+)?))?$/.exec(dep);
      const onEpic = m ? epicIds.get(m[1]!) : undefined;
      const onTask = m ? undefined : taskIds.get(dep);
      if (onEpic === undefined && onTask === undefined) return;
      await tx.query(
        `INSERT INTO dependencies (project_id, task_id, epic_id, depends_on_task_id, depends_on_epic_id, threshold_percent)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [projectId, task, epic, onTask ?? null, onEpic ?? null, m?.[2] ? Number(m[2]) : 100],
      );
    };
    for (const t of plan.tasks) for (const d of t.dependsOn) await edge(taskIds.get(t.key)!, null, d);
    for (const e of plan.epics) for (const d of e.dependsOn ?? []) await edge(null, epicIds.get(e.key)!, d);
    // The queue's first ordering key, from the rows as they now stand (app/plan/criticalPathHours.ts);
    // tasks outside this plan whose level moved are handed back too, so their index entries follow.
    const moved = await recomputeCriticalPaths(tx, projectId);
    return { taskIds: [...new Set([...taskIds.values(), ...moved])], created };
  });
}

function clampPriority(p: number | undefined): number {
  return p === undefined || !Number.isFinite(p) ? 2 : Math.max(0, Math.min(3, Math.trunc(p)));
}
