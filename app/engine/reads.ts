import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from '../queue/claimFilter.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { EngineContext } from './context.js';
import type { Agent, Assignment, Task } from './types.js';
import { taskById } from './sql/taskById.js';
import { tasksByKey } from './sql/tasksByKey.js';
import { tasksByIds } from './sql/tasksByIds.js';
import { listTasks as listTaskRows, type TaskListFilter } from './sql/listTasks.js';
import { agentById } from './sql/agentById.js';
import { listAgents as listAgentRows } from './sql/listAgents.js';
import { assignmentById } from './sql/assignmentById.js';
import { listAssignments as listAssignmentRows, type AssignmentFilter } from './sql/listAssignments.js';

/** Reads of tasks, agents and assignments, with the errors the API answers with. */

/** A task by numeric id, or by key (unique across projects unless a project is named). */
export async function getTask(ctx: EngineContext, idOrKey: string | number, projectId?: number): Promise<Task> {
  const s = String(idOrKey).trim();
  if (/^\d{16,}$/.test(s)) throw new NotFoundError(`no task with id "${s.slice(0, 40)}"`);
  let found: Task | null;
  if (/^\d+$/.test(s)) {
    found = await taskById(ctx.db, Number(s));
  } else {
    const rows = await tasksByKey(ctx.db, s, projectId ?? null);
    if (rows.length > 1) throw new ConflictError(`task key "${s}" exists in several projects: use the numeric id or ?project=owner/repo`);
    found = rows[0] ?? null;
  }
  if (!found) throw new NotFoundError(`no task with id or key "${s}"`);
  return found;
}

/** A task inside a transaction (optionally locked); NotFoundError when there is none. */
export async function taskIn(tx: Queryable, id: number, lock = false): Promise<Task> {
  const t = await taskById(tx, id, lock);
  if (!t) throw new NotFoundError(`no task with id ${id}`);
  return t;
}

export function listTasks(ctx: EngineContext, f: TaskListFilter = {}): Promise<Task[]> {
  return listTaskRows(ctx.db, f);
}

/** Ready tasks in the order the queue hands them out. */
export async function listReady(ctx: EngineContext, f: Partial<ClaimFilter> = {}, limit = 500): Promise<Task[]> {
  const ids = await ctx.index.ordered(f, limit);
  if (!ids.length) return [];
  const byId = new Map((await tasksByIds(ctx.db, ids)).map((t) => [t.id, t]));
  return ids.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined && t.ready);
}

export async function getAgent(ctx: EngineContext, id: number): Promise<Agent> {
  const a = await agentById(ctx.db, id);
  if (!a) throw new NotFoundError(`no agent with id ${id}`);
  return a;
}

export function listAgents(ctx: EngineContext): Promise<Agent[]> {
  return listAgentRows(ctx.db);
}

export async function getAssignment(ctx: EngineContext, id: number): Promise<Assignment> {
  const a = await assignmentById(ctx.db, id);
  if (!a) throw new NotFoundError(`no assignment with id ${id}`);
  return a;
}

export function listAssignments(ctx: EngineContext, f: AssignmentFilter = {}): Promise<Assignment[]> {
  return listAssignmentRows(ctx.db, f);
}
