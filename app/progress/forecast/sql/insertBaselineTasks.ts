import type { Queryable } from '../../../store/db.js';

export interface BaselineTaskRow {
  taskId: number;
  key: string;
  estimatedHours: number;
  startHours: number;
  finishHours: number;
  start: Date;
  finish: Date;
}

/** All of a baseline's tasks in one statement. */
export async function insertBaselineTasks(db: Queryable, baselineId: number, tasks: readonly BaselineTaskRow[]): Promise<void> {
  if (!tasks.length) return;
  await db.query(
    `INSERT INTO plan_baseline_tasks (baseline_id, task_id, task_key, estimated_hours, planned_start_hours, planned_finish_hours, planned_start, planned_finish)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::timestamptz[], $8::timestamptz[])`,
    [
      baselineId,
      tasks.map((t) => t.taskId),
      tasks.map((t) => t.key),
      tasks.map((t) => t.estimatedHours),
      tasks.map((t) => t.startHours),
      tasks.map((t) => t.finishHours),
      tasks.map((t) => t.start.toISOString()),
      tasks.map((t) => t.finish.toISOString()),
    ],
  );
}
