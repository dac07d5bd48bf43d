import type { Queryable } from '../store/db.js';
import type { ClaimFilter } from './claimFilter.js';
import type { ClaimPorts, ClaimStep, Proposal } from './claimStrategy.js';

/**
 * The Redis backend's claim: the index pops the best task for the agent's route, then one
 * statement commits the claim (no explicit transaction; the capacity trigger serialises one
 * agent's claims). A pop whose claim did not commit goes back to the index.
 */
export async function poppedClaim<C>(
  pop: (tx: Queryable, f: ClaimFilter) => Promise<Proposal>,
  ports: ClaimPorts<C>,
  agentId: number,
  projectId: number | undefined,
): Promise<ClaimStep<C>> {
  const agent = await ports.claimer(agentId);
  if (!agent.active) throw ports.deactivated(agent);
  const filter: ClaimFilter = { pool: agent.pool, capabilities: agent.labels, projectId };
  const proposed = await pop(ports.db, filter);
  if (proposed.id === null) {
    // Everything ready collides with work under way: the index did its job, nothing is missing.
    if (proposed.reason === 'all-overlap') return { kind: 'empty', reason: 'all-overlap' };
    return (await ports.indexMissesWork(filter)) ? { kind: 'missed' } : { kind: 'empty' };
  }
  const popped = proposed.id;
  let claim: C | null;
  try {
    claim = await ports.commitChecked(popped, agent.id, projectId, proposed.conflictsChecked === true);
  } catch (err) {
    // Out of the index but not claimed: it goes back now, or once Postgres answers again.
    await ports.strand(popped);
    const refusal = ports.capacityRefusal(err);
    if (refusal === 'full') return { kind: 'full' };
    if (refusal === 'inactive') {
      ports.forgetClaimer(agentId);
      throw ports.deactivated(agent);
    }
    throw err;
  }
  if (claim) return { kind: 'ok', claim };
  // Refused: the task moved on, or the agent changed (deactivated, re-pooled) since it was cached.
  const now = await ports.claimer(agentId, true);
  if (!now.active || now.pool !== agent.pool || now.labels.join() !== agent.labels.join()) {
    await ports.requeueIfReady(popped);
    if (!now.active) throw ports.deactivated(now);
  }
  return { kind: 'refused', taskId: popped };
}
