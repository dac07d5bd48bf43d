import type { ClaimPorts, ClaimStep, Claimer } from '../queue/claimStrategy.js';
import { QueueUnavailableError, type ReadyQueue } from '../queue/readyQueue.js';
import { ConflictError, NotFoundError, StaleEpochError } from '../core/errors.js';
import type { EngineContext } from './context.js';
import type { Agent, Assignment, Claim, Task } from './types.js';
import { getAgent, getTask } from './reads.js';
import { claimByKey } from './sql/claimByKey.js';
import { claimTask, claimTaskForAgent, isCapacityRefusal, isDuplicateClaimKey, type ClaimKey } from './sql/claimTask.js';
import { lockAgent } from './sql/lockAgent.js';
import { activeAssignment } from './sql/activeAssignment.js';
import { describeError } from '../core/describeError.js';

/** The event payload of a new or changed assignment. */
export const assignmentEvent = (a: Assignment, t: Task) => ({
  id: a.id,
  task_id: t.id,
  key: t.key,
  agent_id: a.agentId,
  pool: a.pool,
  epoch: a.epoch,
  status: a.status,
  percent_complete: a.percentComplete,
});

const asClaim = (c: { assignment: Assignment; task: Task }): Claim => ({ ...c, lease: { epoch: c.assignment.epoch, expiresAt: c.assignment.leaseExpiresAt } });

const deactivated = (a: Pick<Agent, 'id' | 'name'>) =>
  new ConflictError(`agent ${a.name} is deactivated: an admin can activate it with POST /api/agents/${a.id}/activate`);

/** How long a claimer's row is trusted on the Redis path; the claim statement checks it again itself. */
const AGENT_CACHE_MS = 2000;
/** Entries refused in a row after which one claim stops trusting the index and goes by Postgres ordering. */
const STALE_POPS = 8;
/** The least time between two repairs a claim asks for (the periodic round repairs anyway). */
const REPAIR_GAP_MS = 1000;

/**
 * Claims under leases with fencing epochs. The backend (Postgres or Redis ordering) supplies how
 * one attempt goes (ReadyQueue.claim); this module supplies the statements that commit it, the
 * retries, the fallback to Postgres ordering when the index fails, and idempotency keys.
 */
export class Claims {
  private draining = false;
  /** A repair of the index a claim asked for, while it runs; and when the last one ended. */
  private repairing: Promise<void> | null = null;
  private repairedAt = -Infinity;
  /** Agents as the Redis path routes them. */
  private readonly agentCache = new Map<number, { agent: Agent; at: number }>();

  constructor(private readonly ctx: EngineContext) {}

  /** Stops handing out work (SIGTERM); reads and reports still go through. */
  drain(): void {
    this.draining = true;
  }

  /**
   * Hands the best ready task the agent may take to it, under a new lease, or returns null when
   * nothing fits (or the agent is at capacity). Never hands one task to two claimers.
   */
  async claim(agentId: number, opts: { projectId?: number; key?: ClaimKey | undefined } = {}): Promise<Claim | null> {
    if (this.draining) return null;
    if (opts.key) {
      const earlier = await this.claimed(opts.key);
      if (earlier) return earlier;
    }
    await this.ctx.index.returnStranded();
    try {
      const claim = await this.claimLoop(agentId, opts.projectId, opts.key);
      // Nothing (or the agent full): a request with the same key that was still in flight when
      // this one looked may have committed meanwhile, and that claim is this one's answer.
      return claim ?? (opts.key ? await this.claimed(opts.key) : null);
    } catch (err) {
      // The same key raced in twice: the other request's claim is the one.
      if (opts.key && isDuplicateClaimKey(err)) {
        const earlier = await this.claimed(opts.key);
        if (earlier) return earlier;
      }
      throw err;
    }
  }

  /** The claim an earlier request with this caller's key made. */
  private async claimed(key: ClaimKey): Promise<Claim | null> {
    const a = await claimByKey(this.ctx.db, key);
    if (!a) return null;
    return { assignment: a, task: await getTask(this.ctx, a.taskId), lease: { epoch: a.epoch, expiresAt: a.leaseExpiresAt } };
  }

  private async claimLoop(agentId: number, projectId: number | undefined, key: ClaimKey | undefined): Promise<Claim | null> {
    const { index } = this.ctx;
    const ports = this.ports(key);
    const attempt = (queue: ReadyQueue) => queue.claim(ports, agentId, projectId);
    // Claims that go around the index (it failed, lacked work, or proposed stale entries) take
    // ready tasks it still lists: once committed, they come out of it, or they would be its stale top.
    const around = async (): Promise<ClaimStep<Claim>> => {
      const step = await attempt(index.fallback);
      if (step.kind === 'ok' && !index.isDown()) await index.write((q) => q.remove([step.claim.task.id]));
      return step;
    };
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      let step: ClaimStep<Claim>;
      if (index.isDown()) {
        step = await attempt(index.fallback);
      } else if (refused >= STALE_POPS) {
        // The index keeps proposing what Postgres refuses: this claim goes by Postgres ordering
        // rather than answer "nothing" while work is ready; the index is checked afterwards.
        step = await around();
        this.repairIndexSoon();
      } else {
        try {
          step = await attempt(index.queue);
        } catch (err) {
          if (!(err instanceof QueueUnavailableError)) throw err;
          if (/rebuild needed/.test(err.message)) {
            // Gone (FLUSHALL, a restart): rebuilt now; this claim does not wait for it.
            void index.rebuild().catch((e: unknown) => this.ctx.log.warn({ err: describeError(e) }, 'ready index rebuild failed'));
          } else {
            index.markDown();
            this.ctx.log.warn({ err: err.message }, 'ready index unavailable: claiming through Postgres ordering');
          }
          step = await around();
        }
        // The index had nothing, Postgres says there is: claim through Postgres ordering now,
        // and put the missing entries back now rather than at the next periodic round. The
        // repair starts once this claim has committed: begun before, it reads the task this claim
        // takes as still ready and puts it back, a stale entry the next claim has to skip.
        if (step.kind === 'missed') {
          step = await around();
          this.repairIndexSoon();
          if (step.kind === 'empty') index.forgetReadyChecks();
        }
      }
      if (step.kind === 'ok') {
        this.ctx.events.publish('assignment.created', assignmentEvent(step.claim.assignment, step.claim.task));
        this.ctx.events.publish('task.updated', { id: step.claim.task.id, key: step.claim.task.key, status: step.claim.task.status });
        return step.claim;
      }
      if (step.kind === 'empty' && step.reason === 'all-overlap') {
        // The claimer hears "nothing ready" (204); the reason is for whoever wonders why it idles.
        this.ctx.log.info({ agent_id: agentId, project_id: projectId ?? null, reason: 'all-overlap' }, 'nothing handed out: every ready task overlaps work under way (scheduling.conflicts)');
      }
      if (step.kind === 'empty' || step.kind === 'full' || step.kind === 'missed') return null;
      // Postgres refused what the index proposed (claimed elsewhere, held, re-routed): put it back
      // only if it is in fact still ready, and try the next one.
      refused++;
      await index.requeueIfReady([step.taskId]);
    }
    return null;
  }

  /**
   * The index lacked ready work or kept proposing stale entries: check it now (rebuilt if gone,
   * missing entries put back), in the background and once at a time, not at the next sweep.
   */
  private repairIndexSoon(): void {
    if (this.repairing || this.ctx.now() - this.repairedAt < REPAIR_GAP_MS) return;
    this.repairing = this.ctx.index
      .maintain()
      .then((r) => {
        if (r.rebuilt || r.missing) this.ctx.log.warn({ rebuilt: r.rebuilt, missing: r.missing, reason: r.reason }, 'ready index repaired after a claim found it short');
      })
      .catch((err: unknown) => this.ctx.log.warn({ err: describeError(err) }, 'ready index repair failed'))
      .finally(() => {
        this.repairedAt = this.ctx.now();
        this.repairing = null;
      });
  }

  /** Until the running repair is done (Engine.drain at shutdown, tests). */
  async settled(): Promise<void> {
    await this.repairing;
  }

  /** The statements a backend's claim strategy commits with, for one claim request. */
  private ports(key: ClaimKey | undefined): ClaimPorts<Claim> {
    const { ctx } = this;
    return {
      db: ctx.db,
      lockClaimer: async (tx, agentId) => {
        const a = await lockAgent(tx, agentId);
        if (!a) throw new NotFoundError(`no agent with id ${agentId}`);
        return a;
      },
      claimer: (agentId, fresh) => this.routingAgent(agentId, fresh),
      forgetClaimer: (agentId) => void this.agentCache.delete(agentId),
      commitLocked: async (tx, taskId, claimer: Claimer, filter) => {
        const c = await claimTask(tx, taskId, { agentId: claimer.id, pool: claimer.pool, capabilities: filter.capabilities, projectId: filter.projectId }, ctx.leaseTtlSeconds, key);
        return c && asClaim(c);
      },
      commitChecked: async (taskId, agentId, projectId, conflictsChecked) => {
        const c = await claimTaskForAgent(ctx.db, taskId, agentId, projectId, ctx.leaseTtlSeconds, key, conflictsChecked);
        return c && asClaim(c);
      },
      strand: (taskId) => ctx.index.requeueIfReady([taskId]),
      requeueIfReady: (taskId) => ctx.index.requeueIfReady([taskId]),
      indexMissesWork: (filter) => ctx.index.missesWork(filter),
      capacityRefusal: isCapacityRefusal,
      deactivated,
    };
  }

  private async routingAgent(agentId: number, fresh = false): Promise<Agent> {
    const hit = this.agentCache.get(agentId);
    if (!fresh && hit && this.ctx.now() - hit.at < AGENT_CACHE_MS) return hit.agent;
    const agent = await getAgent(this.ctx, agentId);
    if (this.agentCache.size > 10_000) this.agentCache.clear();
    this.agentCache.set(agentId, { agent, at: this.ctx.now() });
    return agent;
  }

  /** Assigns one given task to one given agent; 409 unless the task is ready and free. */
  async assign(taskId: number, agentId: number): Promise<Claim> {
    const agent = await getAgent(this.ctx, agentId);
    const task = await getTask(this.ctx, taskId);
    const claim = await this.ctx.db
      .transaction(async (tx) => {
        const claimed = await claimTask(tx, task.id, { agentId: agent.id, pool: agent.pool, capabilities: agent.labels }, this.ctx.leaseTtlSeconds);
        return claimed && asClaim(claimed);
      })
      .catch((err: unknown) => {
        const refusal = isCapacityRefusal(err);
        if (refusal === 'full') throw new ConflictError(`agent ${agent.name} is at its capacity of ${agent.capacity}: it must finish or release work first`);
        if (refusal === 'inactive') throw deactivated(agent);
        throw err;
      });
    if (!claim) {
      const why = task.status !== 'pending' ? `it is ${task.status}` : task.held ? 'it is on hold' : !task.ready ? 'its dependencies are not met' : `agent ${agent.name} may not take it (pool or capabilities)`;
      throw new ConflictError(`task ${task.key} cannot be assigned: ${why}`);
    }
    await this.ctx.index.write((q) => q.remove([task.id]));
    this.ctx.events.publish('assignment.created', assignmentEvent(claim.assignment, claim.task));
    return claim;
  }

  /** A runner job confirms the claim the app made when it dispatched it; a superseded epoch is refused. */
  async confirm(taskIdOrKey: string | number, epoch: number, projectId?: number): Promise<Claim> {
    const task = await getTask(this.ctx, taskIdOrKey, projectId);
    const a = await activeAssignment(this.ctx.db, task.id);
    if (!a || a.epoch !== epoch)
      throw new StaleEpochError(`lease epoch ${epoch} for task ${task.key} is no longer current${a ? ` (current is ${a.epoch})` : ' (no active lease)'}`);
    return { assignment: a, task, lease: { epoch: a.epoch, expiresAt: a.leaseExpiresAt } };
  }
}
