import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import type { ClaimPorts, ClaimStep, Proposal } from './claimStrategy.js';

/**
 * The Postgres backend's claim: lock the agent, pick with SKIP LOCKED and commit, in one
 * transaction. The held count is read in the snapshot taken before the agent lock was granted, so
 * a claim that waited on another may still meet the capacity trigger: that is "full", not an error.
 */
export async function lockedClaim<C>(
  next: (tx: Queryable, f: ClaimFilter) => Promise<Proposal>,
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
      const proposed = await next(tx, filter);
      if (proposed.id === null) return proposed.reason === 'all-overlap' ? { kind: 'empty', reason: 'all-overlap' } : { kind: 'empty' };
      const picked = proposed.id;
      const claim = await ports.commitLocked(tx, picked, agent, filter);
      return claim ? { kind: 'ok', claim } : { kind: 'refused', taskId: picked };
    })
    .catch((err: unknown): ClaimStep<C> => {
      if (ports.capacityRefusal(err) === 'full') return { kind: 'full' };
      throw err;
    });
}
