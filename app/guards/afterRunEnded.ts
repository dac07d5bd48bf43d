import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import type { Assignment, Task } from '../engine/types.js';
import type { AgentEnding } from '../core/circuitBreaker.js';
import { guardsFor } from './guardsFor.js';
import { holdTasks } from './sql/guardHolds.js';

type ExitReason = 'agent_error' | 'rate_limited' | 'timeout' | 'budget' | 'no_change';

/**
 * After a progress report ended a run: the pool's circuit learns how it ended (done or in review
 * is a success, a failure counts by its exit reason), and a run that stopped on its budget leaves
 * its task held with reason `budget`.
 */
export async function afterRunEnded(
  deps: { db: Db; engine: Engine },
  a: Assignment,
  task: Task,
  status: string | undefined,
  exit: ExitReason | undefined,
): Promise<void> {
  const ended = status === 'done' || status === 'in_review' ? 'success' : status === 'failed' ? (exit ?? 'agent_error') : null;
  if (!ended) return;
  const guards = guardsFor(deps);
  if (a.pool) await guards.recordEnding(task.projectId, a.pool, ended as AgentEnding);
  if (ended === 'budget') {
    const held = await holdTasks(deps.db, task.projectId, [task.id], 'budget');
    if (held.length) await deps.engine.reindex(held);
  }
}
