import type { Queryable } from '../../../store/db.js';
import type { TaskStatus } from '../../../core/taskStatus.js';

export interface BaselineRow {
  id: number;
  agents: number;
  hoursPerDay: number;
  makespanHours: number;
  reason: string;
  createdAt: Date;
  tasks: {
    key: string;
    estimatedHours: number;
    startHours: number;
    finishHours: number;
    plannedStart: Date;
    plannedFinish: Date;
    /** The task as it is now (null when it left the plan); tasks.status is CHECKed to these. */
    status: TaskStatus | null;
    completedAt: Date | null;
  }[];
}

/** The baseline in force (the latest) with each task's planned window and where the task is now. */
export async function readLatestBaseline(db: Queryable, projectId: number): Promise<BaselineRow | null> {
  const { rows } = await db.query<{
    id: number; agents: number; hours_per_day: number; makespan_hours: number; reason: string; created_at: Date;
    task_key: string | null; estimated_hours: number | null; start_h: number | null; finish_h: number | null;
    planned_start: Date | null; planned_finish: Date | null; status: TaskStatus | null; completed_at: Date | null;
  }>(
    `SELECT b.id, b.agents, b.hours_per_day::float8 AS hours_per_day, b.makespan_hours::float8 AS makespan_hours, b.reason, b.created_at,
            bt.task_key, bt.estimated_hours::float8 AS estimated_hours, bt.planned_start_hours::float8 AS start_h,
            bt.planned_finish_hours::float8 AS finish_h, bt.planned_start, bt.planned_finish, t.status, t.completed_at
     FROM (SELECT * FROM plan_baselines WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1) b
     LEFT JOIN plan_baseline_tasks bt ON bt.baseline_id = b.id
     LEFT JOIN tasks t ON t.id = bt.task_id
     ORDER BY bt.planned_start_hours, bt.planned_finish_hours, bt.task_key
     LIMIT 200001`,
    [projectId],
  );
  const first = rows[0];
  if (!first) return null;
  return {
    id: Number(first.id),
    agents: Number(first.agents),
    hoursPerDay: Number(first.hours_per_day),
    makespanHours: Number(first.makespan_hours),
    reason: first.reason,
    createdAt: new Date(first.created_at),
    tasks: rows
      .filter((r) => r.task_key !== null)
      .map((r) => ({
        key: r.task_key!,
        estimatedHours: Number(r.estimated_hours),
        startHours: Number(r.start_h),
        finishHours: Number(r.finish_h),
        plannedStart: new Date(r.planned_start!),
        plannedFinish: new Date(r.planned_finish!),
        status: r.status,
        completedAt: r.completed_at ? new Date(r.completed_at) : null,
      })),
  };
}
