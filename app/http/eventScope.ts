import type { Queryable } from '../store/db.js';
import type { EngineEvent } from '../engine/types.js';
import { taskProjectId } from './sql/taskProjectId.js';
import { agentIdsInProject } from './sql/agentIdsInProject.js';

/** How long a reader's set of its project's agents is trusted before a miss reads it again. */
const AGENTS_FRESH_MS = 5_000;
const TASKS_REMEMBERED = 10_000;

/**
 * The event stream as a reader confined to one project sees it: events of its project's tasks,
 * assignments, evidence, agents and snapshots; anything else, or anything whose project cannot
 * be told, is left out (fail closed). Resolves the event to send, or null.
 */
export function projectEventFilter(db: Queryable, projectId: number): (e: EngineEvent) => Promise<EngineEvent | null> {
  const taskProjects = new Map<number, number | null>();
  let agents: { ids: Set<number>; at: number } | null = null;

  const ofTask = async (id: unknown): Promise<number | null> => {
    const n = Number(id);
    if (!Number.isSafeInteger(n)) return null;
    if (taskProjects.has(n)) return taskProjects.get(n)!;
    const p = await taskProjectId(db, n);
    taskProjects.set(n, p);
    if (taskProjects.size > TASKS_REMEMBERED) taskProjects.delete(taskProjects.keys().next().value!);
    return p;
  };
  const isOurAgent = async (id: unknown): Promise<boolean> => {
    const n = Number(id);
    if (agents?.ids.has(n)) return true;
    if (!agents || Date.now() - agents.at > AGENTS_FRESH_MS) agents = { ids: await agentIdsInProject(db, projectId), at: Date.now() };
    return agents.ids.has(n);
  };

  return async (e) => {
    const d = (e.data ?? {}) as Record<string, unknown>;
    switch (e.type) {
      case 'task.updated':
      case 'task.ready':
        return (await ofTask(d.id)) === projectId ? e : null;
      case 'assignment.created':
      case 'assignment.updated':
      case 'lease.expired':
      case 'evidence.created':
        return (await ofTask(d.task_id)) === projectId ? e : null;
      case 'agent.heartbeat':
        return (await isOurAgent(d.agent_id)) ? e : null;
      case 'progress.snapshot': {
        const mine = (Array.isArray(d.snapshots) ? d.snapshots : []).filter((s: { project_id?: unknown }) => Number(s?.project_id) === projectId);
        return mine.length ? { ...e, data: { ...d, snapshots: mine } } : null;
      }
      default:
        return null;
    }
  };
}
