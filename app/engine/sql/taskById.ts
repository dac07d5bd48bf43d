import type { Queryable } from '../../store/db.js';
import type { Task } from '../types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from './taskRow.js';

const SQL = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = $1`;
const LOCK_SQL = `${SQL} FOR UPDATE OF t`;

/** One task by id; `lock` takes its row lock (inside a transaction). */
export async function taskById(q: Queryable, id: number, lock = false): Promise<Task | null> {
  const { rows } = await q.query<TaskRow>(lock ? LOCK_SQL : SQL, [id]);
  return rows[0] ? mapTask(rows[0]) : null;
}
