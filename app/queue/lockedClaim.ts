import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import type { ClaimPorts, ClaimStep } from './claimStrategy.js';

/**
 * The Postgres backend's claim: lock the agent, pick with SKIP LOCKED and commit, in one
 * transaction. The held count is read in the snapshot taken before the agent lock was granted, so
 * a claim that waited on another may still meet the capacity trigger: that is "full", not an error.
 */
export async function lockedClaim<C>(
  next: (tx: Queryable, f: ClaimFilter) => Promise<number | null>,
  ports: ClaimPorts<C>,
  agentId: number,
  projectId: number | undefined,
): Promise<ClaimStep<C>> {
  return ports.db
    .transaction(async (tx): Promise<ClaimStep<C>> => {
      const agent = await ports.lockClaimer(tx, agentId);
      if (!agent.active) throw ports.deactivated(agent);
      if (agent.held >= agent.capacity) return { kind: 'full' };
      const filter: ClaimFilter = { pool: agent.pool, capabilities: agent.labels, projectId };
      const picked = await next(tx, filter);
      if (picked === null) return { kind: 'empty' };
      const claim = await ports.commitLocked(tx, picked, agent, filter);
      return claim ? { kind: 'ok', claim } : { kind: 'refused', taskId: picked };
    })
    .catch((err: unknown): ClaimStep<C> => {
      if (ports.capacityRefusal(err) === 'full') return { kind: 'full' };
      throw err;
    });
}
