import type { Queryable } from '../../store/db.js';
import type { Task } from '../types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from './taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = ANY($1::bigint[])`;

/** The tasks with these ids, in no particular order. */
export async function tasksByIds(q: Queryable, ids: number[]): Promise<Task[]> {
  if (!ids.length) return [];
  const { rows } = await q.query<TaskRow>(SQL, [ids]);
  return rows.map(mapTask);
}
