import type { Db, Queryable } from '../store/db.js';
import type { ReadyQueue } from '../queue/readyQueue.js';
import { QueueUnavailableError } from '../queue/readyQueue.js';
import { PostgresQueue } from '../queue/postgresQueue.js';
import type { EventBus } from './events.js';
import type { Actor, Agent, Assignment, Claim, ClaimFilter, ProgressReport, Task } from './types.js';
import { ConflictError, ForbiddenError, NotFoundError, StaleEpochError, ValidationError } from '../core/errors.js';
import { canTransition, transition, type TaskStatus } from '../core/taskStatus.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from './sql/taskRow.js';
import { claimByKey, claimTask, claimTaskForAgent, isCapacityRefusal, isDuplicateClaimKey, mapAssignment, type AssignmentRow, type ClaimKey } from './sql/claimTask.js';
import { affectedBy, refreshReadiness } from './sql/refreshReadiness.js';
import { AGENT_COLUMNS, mapAgent, type AgentRow } from './sql/agentRow.js';
import { expiredAssignments, extendLeases, leaseTtl, returnTask } from './sql/leases.js';

export interface EngineOptions {
  db: Db;
  queue: ReadyQueue;
  events: EventBus;
  leaseTtlSeconds?: number;
  maxAttempts?: number;
  log?: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export interface AgentInput {
  name: string;
  pool?: string | undefined;
  labels?: string[] | undefined;
  capacity?: number | undefined;
  kind?: 'vm' | 'aks' | 'local' | undefined;
  /** The assignments the agent is working on: only these leases are extended (at these epochs). */
  assignments?: { id: number; epoch: number }[] | undefined;
}

/** An agent heartbeat's answer: the agent, and the leases it named that were extended. */
export type AgentHeartbeat = Agent & { leases: { id: number; epoch: number; leaseExpiresAt: Date }[] };

/** How a status change ends the task's live assignment. */
export type AssignmentEnd = 'completed' | 'cancelled' | 'released' | 'failed';

/** The engine's rule: finished work completes it, a cancel cancels it, going back releases it. */
const defaultAssignmentEnd = (to: TaskStatus): AssignmentEnd | null =>
  to === 'cancelled' ? 'cancelled' : to === 'pending' || to === 'failed' ? 'released' : to === 'done' || to === 'in_review' ? 'completed' : null;

export interface MoveTaskOptions {
  /** Applies only from these statuses; from any other (but `to` itself) it is refused, not thrown. */
  from?: readonly TaskStatus[] | undefined;
  /** Step through `pending` when the table needs it (cancelled → pending → done); without a path it is refused. */
  via?: 'pending' | undefined;
  /** How the live assignment ends; null leaves it. Default by target (see defaultAssignmentEnd). */
  endAssignmentAs?: AssignmentEnd | null | undefined;
  /**
   * Columns written with the final step, overriding the engine's rule: completed_at is set on
   * done and cleared on pending, failure_reason takes the reason on failed and cancelled,
   * attempts reset going back to pending from failed/cancelled/done, ready_since is left to the
   * readiness refresh.
   */
  set?: {
    completedAt?: 'now' | 'clear' | 'keep' | undefined;
    failureReason?: 'reason' | 'clear' | 'keep' | undefined;
    attempts?: 'reset' | 'keep' | undefined;
    readySince?: 'clear' | 'keep' | undefined;
  };
  /**
   * After a change commits: 'status' refreshes readiness of what depends on it and the index
   * (afterStatusChange); 'reindex' also replaces the task's own index entry (updateTask with an
   * empty patch); 'none' leaves it to the caller. Default 'status'.
   */
  refresh?: 'status' | 'reindex' | 'none' | undefined;
}

/** Outcome of moveTask: applied, already so, or refused with why. */
export type MoveResult = { changed: boolean; task: Task } | { changed: false; refused: string; task: Task };

/** How a claim attempt ended inside its transaction. */
type ClaimStep = { kind: 'ok'; claim: Claim } | { kind: 'empty' } | { kind: 'refused'; taskId: number } | { kind: 'full' } | { kind: 'missed' };

/** How long claims skip a Redis that just failed or timed out, going straight to Postgres ordering. */
const QUEUE_BACKOFF_MS = 1000;
/** How long one answer of "Postgres has ready work for this claimer" stands (the cross-check's rate limit). */
const READY_CHECK_MS = 250;

/**
 * The assignment engine: claims under leases with fencing epochs, releases, completions and the
 * readiness that follows them. Postgres decides every state change; the queue only proposes.
 */
export class Engine {
  readonly db: Db;
  readonly events: EventBus;
  readonly leaseTtlSeconds: number;
  readonly maxAttempts: number;
  private queue: ReadyQueue;
  private readonly fallback = new PostgresQueue();
  private readonly log: NonNullable<EngineOptions['log']>;
  private rebuilding: Promise<number> | null = null;
  private draining = false;
  /** Tasks popped from the index whose claim did not commit, to put back once Postgres answers. */
  private readonly stranded = new Set<number>();
  /** An index write failed or was skipped: the index may be stale until the next rebuild. */
  private indexDirty = false;
  private queueDownUntil = 0;
  private readonly readyChecks = new Map<string, { at: number; found: boolean }>();

  constructor(opts: EngineOptions) {
    this.db = opts.db;
    this.queue = opts.queue;
    this.events = opts.events;
    this.leaseTtlSeconds = opts.leaseTtlSeconds ?? 600;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.log = opts.log ?? { warn: () => undefined, info: () => undefined };
  }

  get queueKind(): 'redis' | 'postgres' {
    return this.queue.kind;
  }

  /** Stops handing out work (SIGTERM); reads and reports still go through. */
  drain(): void {
    this.draining = true;
  }

  // ---------------------------------------------------------------- reads

  async getTask(idOrKey: string | number, projectId?: number): Promise<Task> {
    const s = String(idOrKey).trim();
    let rows: TaskRow[];
    if (/^\d{16,}$/.test(s)) throw new NotFoundError(`no task with id "${s.slice(0, 40)}"`);
    if (/^\d+$/.test(s)) {
      ({ rows } = await this.db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = $1`, [Number(s)]));
    } else {
      ({ rows } = await this.db.query<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.key = $1 AND ($2::bigint IS NULL OR t.project_id = $2) ORDER BY t.id LIMIT 2`,
        [s, projectId ?? null],
      ));
      if (rows.length > 1) throw new ConflictError(`task key "${s}" exists in several projects: use the numeric id or ?project=owner/repo`);
    }
    const r = rows[0];
    if (!r) throw new NotFoundError(`no task with id or key "${s}"`);
    return mapTask(r);
  }

  async listTasks(f: { projectId?: number; status?: TaskStatus; epicKey?: string; limit?: number; offset?: number } = {}): Promise<Task[]> {
    const { rows } = await this.db.query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM}
       WHERE ($1::bigint IS NULL OR t.project_id = $1) AND ($2::text IS NULL OR t.status = $2) AND ($3::text IS NULL OR e.key = $3)
       ORDER BY t.project_id, ARRAY(SELECT m[1]::int FROM regexp_matches(t.key, '([0-9]{1,9})', 'g') AS m), t.key, t.id
       LIMIT $4 OFFSET $5`,
      [f.projectId ?? null, f.status ?? null, f.epicKey ?? null, f.limit ?? 10_000, f.offset ?? 0],
    );
    return rows.map(mapTask);
  }

  /** Ready tasks in the order the queue hands them out. */
  async listReady(f: Partial<ClaimFilter> = {}, limit = 500): Promise<Task[]> {
    let ids: number[];
    try {
      ids = await this.queue.ordered(this.db, f, limit);
    } catch (err) {
      if (!(err instanceof QueueUnavailableError)) throw err;
      ids = await this.fallback.ordered(this.db, f, limit);
    }
    if (!ids.length) return [];
    const { rows } = await this.db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = ANY($1::bigint[])`, [ids]);
    const byId = new Map(rows.map((r) => [r.id, mapTask(r)]));
    return ids.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined && t.ready);
  }

  async getAgent(id: number): Promise<Agent> {
    const { rows } = await this.db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1`, [id]);
    if (!rows[0]) throw new NotFoundError(`no agent with id ${id}`);
    return mapAgent(rows[0]);
  }

  async listAgents(): Promise<Agent[]> {
    const { rows } = await this.db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY name`);
    return rows.map(mapAgent);
  }

  async getAssignment(id: number): Promise<Assignment> {
    const { rows } = await this.db.query<AssignmentRow>('SELECT * FROM assignments WHERE id = $1', [id]);
    if (!rows[0]) throw new NotFoundError(`no assignment with id ${id}`);
    return mapAssignment(rows[0]);
  }

  async listAssignments(f: { status?: string; agentId?: number; taskId?: number } = {}): Promise<Assignment[]> {
    const { rows } = await this.db.query<AssignmentRow>(
      `SELECT * FROM assignments WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR agent_id = $2)
       AND ($3::bigint IS NULL OR task_id = $3) ORDER BY id DESC LIMIT 1000`,
      [f.status ?? null, f.agentId ?? null, f.taskId ?? null],
    );
    return rows.map(mapAssignment);
  }

  // ---------------------------------------------------------------- agents

  /**
   * Registers or refreshes an agent and extends the leases it names (id and epoch) that it
   * still holds; never reactivates a deactivated one. A lease nobody names runs out: a claim whose answer was lost is not kept alive.
   */
  async heartbeatAgent(input: AgentInput): Promise<AgentHeartbeat> {
    const agent = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<AgentRow>(
        `INSERT INTO agents (name, pool, labels, capacity, kind, last_heartbeat_at, active)
         VALUES ($1, COALESCE($2, 'default'), COALESCE($3::text[], '{}'), COALESCE($4, 1), COALESCE($5, 'local'), now(), true)
         ON CONFLICT (name) DO UPDATE SET pool = COALESCE($2, agents.pool), labels = COALESCE($3::text[], agents.labels),
           capacity = COALESCE($4, agents.capacity), kind = COALESCE($5, agents.kind),
           last_heartbeat_at = now(), updated_at = now()
         RETURNING ${AGENT_COLUMNS}`,
        [input.name, input.pool ?? null, input.labels ?? null, input.capacity ?? null, input.kind ?? null],
      );
      const a = rows[0]!;
      const named = input.assignments ?? [];
      const leases = named.length
        ? await extendLeases(
            tx,
            'a.agent_id = $1 AND (a.id, a.epoch) IN (SELECT * FROM unnest($2::bigint[], $3::bigint[]))',
            [a.id, named.map((x) => x.id), named.map((x) => x.epoch)],
            this.leaseTtlSeconds,
          )
        : [];
      return { ...mapAgent(a), leases };
    });
    this.events.publish('agent.heartbeat', { agent_id: agent.id, name: agent.name, at: agent.lastHeartbeatAt });
    return agent;
  }

  /** Deactivates an agent: it gets no more work and its tasks go back to the queue at once. */
  async deactivateAgent(id: number): Promise<Agent> {
    const agent = await this.getAgent(id);
    await this.db.query('UPDATE agents SET active = false, updated_at = now() WHERE id = $1', [id]);
    const held = await this.listAssignments({ status: 'active', agentId: id });
    for (const a of held) await this.endAssignment(a.id, 'released', `agent ${agent.name} deactivated`, { countAttempt: false });
    return { ...agent, active: false };
  }

  /** The agent that stands for a runner pool when the app claims on its behalf. */
  async poolAgent(pool: { name: string; capabilities?: string[]; capacity?: number }): Promise<Agent> {
    const { rows } = await this.db.query<AgentRow>(
      // Only what the caller states is changed: a job claiming by pool name must not reset the
      // capacity and capabilities the app configured for that pool.
      `INSERT INTO agents (name, pool, labels, capacity, kind, active) VALUES ($1, $2, COALESCE($3::text[], '{}'), COALESCE($4, 1), 'local', true)
       ON CONFLICT (name) DO UPDATE SET pool = $2, labels = COALESCE($3::text[], agents.labels),
         capacity = COALESCE($4, agents.capacity), updated_at = now()
       RETURNING ${AGENT_COLUMNS}`,
      [`pool/${pool.name}`, pool.name, pool.capabilities ?? null, pool.capacity ?? null],
    );
    return mapAgent(rows[0]!);
  }

  // ---------------------------------------------------------------- claims

  /** The app's claim for a runner pool it is about to dispatch a workflow to. */
  async claimForPool(pool: { name: string; capabilities?: string[]; capacity?: number }, projectId?: number): Promise<Claim | null> {
    const agent = await this.poolAgent(pool);
    return this.claim(agent.id, projectId === undefined ? {} : { projectId });
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
    await this.returnStranded();
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
    const a = await claimByKey(this.db, key);
    if (!a) return null;
    return { assignment: a, task: await this.getTask(a.taskId), lease: { epoch: a.epoch, expiresAt: a.leaseExpiresAt } };
  }

  private async claimLoop(agentId: number, projectId: number | undefined, key: ClaimKey | undefined): Promise<Claim | null> {
    const opts = { projectId };
    for (let attempt = 0; attempt < 50; attempt++) {
      let step: ClaimStep;
      if (Date.now() < this.queueDownUntil) {
        step = await this.claimStep(this.fallback, agentId, opts.projectId, key);
      } else {
        try {
          step = await this.claimStep(this.queue, agentId, opts.projectId, key);
        } catch (err) {
          if (!(err instanceof QueueUnavailableError)) throw err;
          if (/rebuild needed/.test(err.message)) {
            await this.rebuildQueue().catch(() => undefined);
          } else {
            // Down or hung (command timeout): skip it for a moment rather than wait on every claim.
            this.queueDown();
            this.log.warn({ err: err.message }, 'ready index unavailable: claiming through Postgres ordering');
          }
          step = await this.claimStep(this.fallback, agentId, opts.projectId, key);
        }
        // The index had nothing, Postgres says there is: claim through Postgres ordering now;
        // the periodic round puts the missing entries back.
        if (step.kind === 'missed') {
          step = await this.claimStep(this.fallback, agentId, opts.projectId, key);
          if (step.kind === 'empty') this.readyChecks.clear();
        }
      }
      if (step.kind === 'ok') {
        this.events.publish('assignment.created', this.assignmentEvent(step.claim.assignment, step.claim.task));
        this.events.publish('task.updated', { id: step.claim.task.id, key: step.claim.task.key, status: step.claim.task.status });
        return step.claim;
      }
      if (step.kind === 'empty' || step.kind === 'full' || step.kind === 'missed') return null;
      // Postgres refused what the index proposed (claimed elsewhere, held, re-routed): put it back
      // only if it is in fact still ready, and try the next one.
      await this.requeueIfReady([step.taskId]);
    }
    return null;
  }

  private queueDown(): void {
    this.queueDownUntil = Date.now() + QUEUE_BACKOFF_MS;
    this.indexDirty = true;
  }

  /**
   * After an empty answer from the index: whether Postgres holds ready work this claimer may
   * take. One query per claimer route per READY_CHECK_MS, shared by every claimer asking.
   */
  private async indexMissesWork(filter: ClaimFilter): Promise<boolean> {
    const key = `${filter.pool}|${[...filter.capabilities].sort().join(',')}|${filter.projectId ?? ''}`;
    const hit = this.readyChecks.get(key);
    if (hit && Date.now() - hit.at < READY_CHECK_MS) return hit.found;
    const found = await this.fallback.hasReady(this.db, filter);
    if (this.readyChecks.size > 10_000) this.readyChecks.clear();
    this.readyChecks.set(key, { at: Date.now(), found });
    return found;
  }

  /** Puts tasks whose claim failed after the pop back in the index, once Postgres answers again. */
  private async returnStranded(): Promise<void> {
    if (!this.stranded.size) return;
    const ids = [...this.stranded];
    try {
      const { rows } = await this.db.query<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = ANY($1::bigint[]) AND t.status = 'pending' AND NOT t.held AND t.ready_since IS NOT NULL`,
        [ids],
      );
      await this.queue.add(rows.map(mapTask));
      for (const id of ids) this.stranded.delete(id);
    } catch (err) {
      // Still down: they stay listed, and the empty-answer check and the periodic repair cover them meanwhile.
      this.log.warn({ err: (err as Error).message, tasks: ids.length }, 'could not yet return popped tasks to the ready index');
    }
  }

  /** Agents as the Redis path routes them; re-read every 2 s, and checked again by the claim statement itself. */
  private readonly agentCache = new Map<number, { agent: Agent; at: number }>();

  private async routingAgent(agentId: number, fresh = false): Promise<Agent> {
    const hit = this.agentCache.get(agentId);
    if (!fresh && hit && Date.now() - hit.at < 2000) return hit.agent;
    const agent = await this.getAgent(agentId);
    if (this.agentCache.size > 10_000) this.agentCache.clear();
    this.agentCache.set(agentId, { agent, at: Date.now() });
    return agent;
  }

  /**
   * The Redis path: the Lua script pops the best task, then one statement commits the claim
   * (no explicit transaction; the capacity trigger serialises one agent's claims).
   */
  private async claimStepIndexed(queue: ReadyQueue, agentId: number, projectId: number | undefined, key: ClaimKey | undefined): Promise<ClaimStep> {
    const agent = await this.routingAgent(agentId);
    if (!agent.active) throw new ConflictError(`agent ${agent.name} is deactivated: an admin can activate it with POST /api/agents/${agent.id}/activate`);
    const filter: ClaimFilter = { pool: agent.pool, capabilities: agent.labels, projectId };
    const popped = await queue.next(this.db, filter);
    if (popped === null) return (await this.indexMissesWork(filter)) ? { kind: 'missed' } : { kind: 'empty' };
    let claimed: Awaited<ReturnType<typeof claimTaskForAgent>>;
    try {
      claimed = await claimTaskForAgent(this.db, popped, agent.id, projectId, this.leaseTtlSeconds, key);
    } catch (err) {
      // Out of the index but not claimed: it goes back now, or once Postgres answers again.
      this.stranded.add(popped);
      await this.returnStranded();
      const refusal = isCapacityRefusal(err);
      if (refusal === 'full') return { kind: 'full' };
      if (refusal === 'inactive') {
        this.agentCache.delete(agentId);
        throw new ConflictError(`agent ${agent.name} is deactivated: an admin can activate it with POST /api/agents/${agent.id}/activate`);
      }
      throw err;
    }
    if (claimed) {
      const { assignment, task } = claimed;
      return { kind: 'ok', claim: { assignment, task, lease: { epoch: assignment.epoch, expiresAt: assignment.leaseExpiresAt } } };
    }
    // Refused: the task moved on, or the agent changed (deactivated, re-pooled) since it was cached.
    const now = await this.routingAgent(agentId, true);
    if (!now.active || now.pool !== agent.pool || now.labels.join() !== agent.labels.join()) {
      await this.requeueIfReady([popped]);
      if (!now.active) throw new ConflictError(`agent ${now.name} is deactivated: an admin can activate it with POST /api/agents/${agent.id}/activate`);
    }
    return { kind: 'refused', taskId: popped };
  }

  private async claimStep(queue: ReadyQueue, agentId: number, projectId: number | undefined, key?: ClaimKey): Promise<ClaimStep> {
    if (queue.kind === 'redis') return this.claimStepIndexed(queue, agentId, projectId, key);
    // The Postgres path: lock the agent, pick with SKIP LOCKED and commit, in one transaction.
    // The held count is read in the snapshot taken before the agent lock was granted, so a claim
    // that waited on another may still meet the capacity trigger: that is "full", not an error.
    return this.db
      .transaction(async (tx): Promise<ClaimStep> => {
      // Locking the agent row serialises claims of one agent, so its capacity is never overrun.
      const { rows } = await tx.query<AgentRow & { held: number }>(
        `SELECT ${AGENT_COLUMNS}, (SELECT count(*) FROM assignments s WHERE s.agent_id = agents.id AND s.status = 'active')::int AS held
         FROM agents WHERE id = $1 FOR UPDATE`,
        [agentId],
      );
      const agent = rows[0];
      if (!agent) throw new NotFoundError(`no agent with id ${agentId}`);
      if (!agent.active) throw new ConflictError(`agent ${agent.name} is deactivated: an admin can activate it with POST /api/agents/${agent.id}/activate`);
      if (agent.held >= agent.capacity) return { kind: 'full' };
      const filter: ClaimFilter = { pool: agent.pool, capabilities: agent.labels ?? [], projectId };
      const picked = await queue.next(tx, filter);
      if (picked === null) return { kind: 'empty' };
      const claimed = await claimTask(tx, picked, { agentId: agent.id, pool: agent.pool, capabilities: filter.capabilities, projectId }, this.leaseTtlSeconds, key);
      if (!claimed) return { kind: 'refused', taskId: picked };
      const { assignment, task } = claimed;
      return { kind: 'ok', claim: { assignment, task, lease: { epoch: assignment.epoch, expiresAt: assignment.leaseExpiresAt } } };
      })
      .catch((err: unknown): ClaimStep => {
        if (isCapacityRefusal(err) === 'full') return { kind: 'full' };
        throw err;
      });
  }

  /** Assigns one given task to one given agent; 409 unless the task is ready and free. */
  async assign(taskId: number, agentId: number): Promise<Claim> {
    const agent = await this.getAgent(agentId);
    const task = await this.getTask(taskId);
    const claim = await this.db
      .transaction(async (tx) => {
        const claimed = await claimTask(tx, task.id, { agentId: agent.id, pool: agent.pool, capabilities: agent.labels }, this.leaseTtlSeconds);
        if (!claimed) return null;
        return { ...claimed, lease: { epoch: claimed.assignment.epoch, expiresAt: claimed.assignment.leaseExpiresAt } };
      })
      .catch((err: unknown) => {
        const refusal = isCapacityRefusal(err);
        if (refusal === 'full') throw new ConflictError(`agent ${agent.name} is at its capacity of ${agent.capacity}: it must finish or release work first`);
        if (refusal === 'inactive') throw new ConflictError(`agent ${agent.name} is deactivated: an admin can activate it with POST /api/agents/${agent.id}/activate`);
        throw err;
      });
    if (!claim) {
      const why = task.status !== 'pending' ? `it is ${task.status}` : task.held ? 'it is on hold' : !task.ready ? 'its dependencies are not met' : `agent ${agent.name} may not take it (pool or capabilities)`;
      throw new ConflictError(`task ${task.key} cannot be assigned: ${why}`);
    }
    await this.indexWrite(() => this.queue.remove([task.id]));
    this.events.publish('assignment.created', this.assignmentEvent(claim.assignment, claim.task));
    return claim;
  }

  /** A runner job confirms the claim the app made when it dispatched it; a superseded epoch is refused. */
  async confirm(taskIdOrKey: string | number, epoch: number, projectId?: number): Promise<Claim> {
    const task = await this.getTask(taskIdOrKey, projectId);
    const { rows } = await this.db.query<AssignmentRow>(`SELECT * FROM assignments WHERE task_id = $1 AND status = 'active'`, [task.id]);
    const a = rows[0];
    if (!a || Number(a.epoch) !== epoch)
      throw new StaleEpochError(`lease epoch ${epoch} for task ${task.key} is no longer current${a ? ` (current is ${a.epoch})` : ' (no active lease)'}`);
    const assignment = mapAssignment(a);
    return { assignment, task, lease: { epoch: assignment.epoch, expiresAt: assignment.leaseExpiresAt } };
  }

  /** Extends one assignment's lease; refused with 409 once its epoch is superseded. */
  async heartbeatAssignment(assignmentId: number, epoch: number, actor: Actor): Promise<Assignment> {
    const current = await this.getAssignment(assignmentId);
    this.authorize(actor, current);
    if (current.status !== 'active' || current.epoch !== epoch)
      throw new StaleEpochError(`assignment ${assignmentId} at epoch ${epoch} is no longer active (status ${current.status}, epoch ${current.epoch})`);
    await this.db.transaction((tx) => extendLeases(tx, 'a.id = $1 AND a.epoch = $2', [assignmentId, epoch], this.leaseTtlSeconds));
    return this.getAssignment(assignmentId);
  }

  /** Progress from the agent holding the lease: percent and notes, or the end of its work. */
  async reportProgress(assignmentId: number, report: ProgressReport, actor: Actor): Promise<{ assignment: Assignment; task: Task }> {
    const result = await this.db.transaction(async (tx) => {
      // Lock order everywhere: assignment, then task.
      await tx.query('SELECT id FROM assignments WHERE id = $1 FOR UPDATE', [assignmentId]);
      const { rows } = await tx.query<AssignmentRow & { task_status: TaskStatus; task_key: string }>(
        `SELECT a.*, t.status AS task_status, t.key AS task_key FROM assignments a JOIN tasks t ON t.id = a.task_id
         WHERE a.id = $1 FOR UPDATE OF t`,
        [assignmentId],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError(`no assignment with id ${assignmentId}`);
      const a = mapAssignment(row);
      this.authorize(actor, a);
      // The same report again (its answer was lost): this very report ended the assignment, so
      // the answer is the state now, not a conflict.
      if (a.status !== 'active' && a.epoch === report.epoch && report.status && a.endReason === `reported ${report.status}`)
        return { assignment: a, task: await this.taskIn(tx, a.taskId), statusChanged: false, repeated: true };
      if (a.status !== 'active' || a.epoch !== report.epoch)
        throw new StaleEpochError(
          `assignment ${assignmentId} for task ${row.task_key}: epoch ${report.epoch} is stale (assignment is ${a.status} at epoch ${a.epoch}); nothing was changed`,
        );
      const to = report.status;
      let taskStatus: TaskStatus = row.task_status;
      let ended: Assignment['status'] | null = null;
      if (to === 'in_progress') {
        taskStatus = transition(row.task_status, 'in_progress', row.task_key);
      } else if (to === 'in_review') {
        taskStatus = transition(row.task_status, 'in_review', row.task_key);
        ended = 'completed';
      } else if (to === 'done') {
        taskStatus = transition(row.task_status, 'done', row.task_key);
        ended = 'completed';
      } else if (to === 'failed') {
        ended = 'failed';
      } else if (row.task_status === 'assigned' && (report.percentComplete ?? 0) > 0) {
        taskStatus = 'in_progress';
      }
      await tx.query(
        `UPDATE assignments SET percent_complete = COALESCE($2, CASE WHEN $4 = 'completed' THEN 100 ELSE percent_complete END),
           notes = COALESCE($3, notes), status = COALESCE($4, status), ended_at = CASE WHEN $4::text IS NULL THEN NULL ELSE now() END,
           end_reason = COALESCE($5, end_reason), lease_expires_at = now() + make_interval(secs => ${leaseTtl('assignments.task_id', '$6')}),
           updated_at = now()
         WHERE id = $1`,
        [assignmentId, report.percentComplete ?? null, report.notes ?? null, ended, ended ? `reported ${to}` : null, this.leaseTtlSeconds],
      );
      if (ended === 'failed') {
        await returnTask(tx, a.taskId, report.notes ? `agent reported failure: ${report.notes}` : 'agent reported failure', true, this.maxAttempts);
      } else if (taskStatus !== row.task_status || ended) {
        await tx.query(
          `UPDATE tasks SET status = $2, lease_expires_at = CASE WHEN $3 THEN NULL ELSE now() + make_interval(secs => ${leaseTtl('$1', '$4')}) END,
             completed_at = CASE WHEN $2 = 'done' THEN now() ELSE completed_at END
           WHERE id = $1`,
          [a.taskId, taskStatus, ended !== null, this.leaseTtlSeconds],
        );
      } else {
        await tx.query(`UPDATE tasks SET lease_expires_at = now() + make_interval(secs => ${leaseTtl('$1', '$2')}) WHERE id = $1`, [
          a.taskId,
          this.leaseTtlSeconds,
        ]);
      }
      const assignment = mapAssignment((await tx.query<AssignmentRow>('SELECT * FROM assignments WHERE id = $1', [assignmentId])).rows[0]!);
      return { assignment, task: await this.taskIn(tx, a.taskId), statusChanged: taskStatus !== row.task_status || ended !== null, repeated: false };
    });
    if (result.repeated) return { assignment: result.assignment, task: result.task };
    this.events.publish('assignment.updated', this.assignmentEvent(result.assignment, result.task));
    if (result.statusChanged) await this.afterStatusChange([result.task]);
    return { assignment: result.assignment, task: result.task };
  }

  private authorize(actor: Actor, a: Assignment): void {
    // The project a job or a project token is confined to is checked by the routes (app/http/authorize.ts).
    if (actor.kind === 'admin' || actor.kind === 'app' || actor.kind === 'job') return;
    if (a.agentId === actor.agentId) return;
    throw new ForbiddenError(`assignment ${a.id} belongs to another agent; an agent may act only on its own assignments`);
  }

  /**
   * Ends an active assignment (released by a person, failed run, expired lease): the task goes
   * back to the queue, or to failed once it has used its attempts.
   */
  async endAssignment(assignmentId: number, status: 'released' | 'failed' | 'expired' | 'cancelled', reason: string, opts: { countAttempt: boolean }): Promise<Task | null> {
    const task = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ task_id: number }>(
        `UPDATE assignments SET status = $2, end_reason = $3, ended_at = now(), updated_at = now()
         WHERE id = $1 AND status = 'active' RETURNING task_id`,
        [assignmentId, status, reason],
      );
      if (!rows[0]) return null;
      if (status === 'cancelled') {
        await tx.query(`UPDATE tasks SET status = 'cancelled', lease_expires_at = NULL, failure_reason = $2 WHERE id = $1`, [rows[0].task_id, reason]);
      } else {
        await returnTask(tx, rows[0].task_id, reason, opts.countAttempt, this.maxAttempts);
      }
      return this.taskIn(tx, rows[0].task_id);
    });
    if (!task) return null;
    this.events.publish(status === 'expired' ? 'lease.expired' : 'assignment.updated', { id: assignmentId, status, reason, task_id: task.id, key: task.key });
    await this.afterStatusChange([task]);
    return task;
  }

  /** Releases whatever active assignment a task has (failed run, /fleet unassign). */
  async releaseTask(taskId: number, reason: string, opts: { countAttempt: boolean }): Promise<Task> {
    const { rows } = await this.db.query<{ id: number }>(`SELECT id FROM assignments WHERE task_id = $1 AND status = 'active'`, [taskId]);
    if (!rows[0]) return this.getTask(taskId);
    return (await this.endAssignment(rows[0].id, opts.countAttempt ? 'failed' : 'released', reason, opts)) ?? this.getTask(taskId);
  }

  // ---------------------------------------------------------------- status changes from outside

  /**
   * Moves a task to a status on evidence (PR opened → in_review, merged → done, issue closed),
   * ending its live assignment when the work is finished. Illegal moves are typed errors.
   */
  async setStatus(taskId: number, to: TaskStatus, reason: string): Promise<Task> {
    const { task } = await this.moveTask(taskId, to, reason, { refresh: 'none' });
    await this.afterStatusChange([task]);
    return task;
  }

  /**
   * The one status change (setStatus and the GitHub app both come here): locks the live
   * assignment then the task, checks `from` and the transition table, steps through `pending`
   * when asked and needed, ends the live assignment as the target requires, writes the task's
   * lease, completion, failure and attempt columns, and after commit refreshes readiness and the
   * ready index. A refusal (`from`, or no path even through pending) is an answer, not an error;
   * an illegal move without `via` throws IllegalTransitionError.
   */
  async moveTask(taskId: number, to: TaskStatus, reason: string, opts: MoveTaskOptions = {}): Promise<MoveResult> {
    const result = await this.db.transaction(async (tx): Promise<MoveResult> => {
      // Lock order everywhere: assignment, then task.
      await tx.query(`SELECT id FROM assignments WHERE task_id = $1 AND status = 'active' FOR UPDATE`, [taskId]);
      const cur = await this.taskIn(tx, taskId, true);
      if (cur.status === to) return { changed: false, task: cur };
      if (opts.from && !opts.from.includes(cur.status)) {
        return { changed: false, refused: `task ${cur.key} is ${cur.status}; this applies only to ${opts.from.join(', ')}`, task: cur };
      }
      let path: TaskStatus[];
      if (canTransition(cur.status, to)) path = [to];
      else if (opts.via === 'pending' && canTransition(cur.status, 'pending') && canTransition('pending', to)) path = ['pending', to];
      else if (opts.via) return { changed: false, refused: `task ${cur.key} is ${cur.status} and cannot become ${to}`, task: cur };
      else path = [transition(cur.status, to, cur.key)];
      const end = opts.endAssignmentAs === undefined ? defaultAssignmentEnd(to) : opts.endAssignmentAs;
      if (end) {
        await tx.query(
          `UPDATE assignments SET status = $2, end_reason = $3, ended_at = now(), updated_at = now() WHERE task_id = $1 AND status = 'active'`,
          [taskId, end, reason],
        );
      }
      // Steps on the way only change the status; the columns go with the final one.
      for (const step of path.slice(0, -1)) await tx.query(`UPDATE tasks SET status = $2 WHERE id = $1`, [taskId, step]);
      const set = opts.set ?? {};
      const completedAt = set.completedAt ?? (to === 'done' ? 'now' : to === 'pending' ? 'clear' : 'keep');
      const failureReason = set.failureReason ?? (to === 'failed' || to === 'cancelled' ? 'reason' : 'keep');
      const attempts = set.attempts ?? (to === 'pending' && (cur.status === 'failed' || cur.status === 'cancelled' || cur.status === 'done') ? 'reset' : 'keep');
      await tx.query(
        `UPDATE tasks SET status = $2, lease_expires_at = CASE WHEN $2 IN ('assigned', 'in_progress') THEN lease_expires_at ELSE NULL END,
           completed_at = CASE $4 WHEN 'now' THEN now() WHEN 'clear' THEN NULL ELSE completed_at END,
           failure_reason = CASE $5 WHEN 'reason' THEN $3 WHEN 'clear' THEN NULL ELSE failure_reason END,
           attempts = CASE WHEN $6 THEN 0 ELSE attempts END,
           ready_since = CASE WHEN $7 THEN NULL ELSE ready_since END
         WHERE id = $1`,
        [taskId, to, reason, completedAt, failureReason, attempts === 'reset', set.readySince === 'clear'],
      );
      return { changed: true, task: await this.taskIn(tx, taskId) };
    });
    if (result.changed) {
      const refresh = opts.refresh ?? 'status';
      if (refresh === 'status') await this.afterStatusChange([result.task]);
      else if (refresh === 'reindex') await this.updateTask(taskId, {});
    }
    return result;
  }

  /** Edits that change a task's place in the queue: hold, priority, pool routing, estimate. */
  async updateTask(taskId: number, patch: { held?: boolean; priority?: number; requiredPool?: string | null; estimatedHours?: number; branch?: string | null; prNumber?: number | null; prUrl?: string | null }): Promise<Task> {
    if (patch.priority !== undefined && !(Number.isInteger(patch.priority) && patch.priority >= 0 && patch.priority <= 3))
      throw new ValidationError(`priority must be 0..3 (p0..p3), got ${patch.priority}`);
    if (patch.estimatedHours !== undefined && !(patch.estimatedHours >= 0 && patch.estimatedHours <= 10_000))
      throw new ValidationError(`estimate must be between 0 and 10000 hours, got ${patch.estimatedHours}`);
    const { rows } = await this.db.query<{ id: number }>(
      `UPDATE tasks SET held = COALESCE($2, held), priority = COALESCE($3, priority),
         required_pool = CASE WHEN $4 THEN $5 ELSE required_pool END, estimated_hours = COALESCE($6, estimated_hours),
         branch = CASE WHEN $7 THEN $8 ELSE branch END, pr_number = CASE WHEN $9 THEN $10 ELSE pr_number END,
         pr_url = CASE WHEN $11 THEN $12 ELSE pr_url END
       WHERE id = $1 RETURNING id`,
      [
        taskId,
        patch.held ?? null,
        patch.priority ?? null,
        patch.requiredPool !== undefined,
        patch.requiredPool ?? null,
        patch.estimatedHours ?? null,
        patch.branch !== undefined,
        patch.branch ?? null,
        patch.prNumber !== undefined,
        patch.prNumber ?? null,
        patch.prUrl !== undefined,
        patch.prUrl ?? null,
      ],
    );
    if (!rows[0]) throw new NotFoundError(`no task with id ${taskId}`);
    const task = await this.getTask(taskId);
    // Routing or order changed: the index entry is replaced, not patched.
    if (task.ready) {
      await this.indexWrite(async () => {
        await this.queue.remove([task.id]);
        await this.queue.add([task]);
      });
    }
    await this.afterStatusChange([task]);
    return task;
  }

  /** Branch and PR number reported by the lease holder; a stale epoch changes nothing. */
  async setGit(taskId: number, git: { epoch?: number | undefined; branch?: string | undefined; prNumber?: number | undefined; prUrl?: string | undefined }, actor: Actor): Promise<Task> {
    const task = await this.getTask(taskId);
    if (actor.kind === 'agent' || actor.kind === 'job') {
      if (git.epoch === undefined) throw new ValidationError('epoch is required: send the lease epoch you were given with the claim');
      const { rows } = await this.db.query<AssignmentRow>(`SELECT * FROM assignments WHERE task_id = $1 AND epoch = $2`, [task.id, git.epoch]);
      const a = rows[0];
      if (!a) throw new StaleEpochError(`epoch ${git.epoch} was never issued for task ${task.key}`);
      this.authorize(actor, mapAssignment(a));
      if (task.leaseEpoch !== git.epoch) throw new StaleEpochError(`epoch ${git.epoch} for task ${task.key} is stale (current is ${task.leaseEpoch}); nothing was changed`);
    } else if (git.epoch !== undefined && git.epoch !== task.leaseEpoch) {
      throw new StaleEpochError(`epoch ${git.epoch} for task ${task.key} is stale (current is ${task.leaseEpoch}); nothing was changed`);
    }
    const updated = await this.updateTask(task.id, {
      ...(git.branch !== undefined ? { branch: git.branch } : {}),
      ...(git.prNumber !== undefined ? { prNumber: git.prNumber } : {}),
      ...(git.prUrl !== undefined ? { prUrl: git.prUrl } : {}),
    });
    this.events.publish('task.updated', { id: updated.id, key: updated.key, status: updated.status, branch: updated.branch, pr_number: updated.prNumber, pr_url: updated.prUrl });
    return updated;
  }

  // ---------------------------------------------------------------- readiness and the index

  /** After statuses changed and committed: recompute readiness of what depends on them, feed the index, tell listeners. */
  async afterStatusChange(tasks: Task[]): Promise<void> {
    for (const t of tasks) this.events.publish('task.updated', { id: t.id, key: t.key, status: t.status, held: t.held });
    const affected = await affectedBy(this.db, tasks.map((t) => t.id));
    const change = await refreshReadiness(this.db, affected);
    // A task that is not ready now (claimed, held, done) must leave the index even if its
    // ready_since was already NULL; one that just became ready stays.
    const nowReady = new Set(change.becameReady.map((t) => t.id));
    const gone = tasks.filter((t) => !t.ready && !nowReady.has(t.id)).map((t) => t.id);
    if (gone.length) await this.indexWrite(() => this.queue.remove(gone));
    await this.applyReadiness(change);
  }

  private async applyReadiness(change: Awaited<ReturnType<typeof refreshReadiness>>): Promise<void> {
    await this.indexWrite(async () => {
      await this.queue.add(change.becameReady);
      await this.queue.remove(change.becameUnready);
    });
    for (const t of change.becameReady) this.events.publish('task.ready', { id: t.id, key: t.key });
  }

  /**
   * A write to the index that must not hold up a status change: skipped while Redis is backed
   * off, and on failure (down, or hung past its command timeout) left to the next rebuild,
   * since Postgres already holds the truth.
   */
  private async indexWrite(fn: () => Promise<void>): Promise<void> {
    if (Date.now() < this.queueDownUntil) {
      this.indexDirty = true;
      return;
    }
    try {
      await fn();
    } catch (err) {
      this.queueDown();
      this.log.warn({ err: (err as Error).message }, 'ready index update failed; it will be rebuilt');
    }
  }

  /** Recomputes readiness for every task (after seeding, and on the periodic sweep). */
  async refreshAll(): Promise<number> {
    const change = await refreshReadiness(this.db, null);
    await this.applyReadiness(change);
    return change.becameReady.length + change.becameUnready.length;
  }

  private async requeueIfReady(ids: number[]): Promise<void> {
    for (const id of ids) this.stranded.add(id);
    await this.returnStranded();
  }

  /** Whether the ready index still holds what the last rebuild wrote. */
  async queueIntact(): Promise<boolean> {
    return this.queue.intact();
  }

  /**
   * The periodic check of the index: rebuilt when it is gone or a write to it failed, otherwise
   * ready tasks it lacks are put back. Returns what was done.
   */
  async maintainQueue(opts: { rebuild?: boolean } = {}): Promise<{ rebuilt: boolean; entries: number; missing: number; reason?: string }> {
    const intact = await this.queue.intact().catch(() => false);
    const dirty = this.indexDirty;
    if (!intact || dirty || opts.rebuild) {
      this.indexDirty = false;
      try {
        const entries = await this.rebuildQueue();
        this.stranded.clear();
        return { rebuilt: true, entries, missing: 0, reason: !intact ? 'missing' : dirty ? 'writes failed' : 'scheduled' };
      } catch (err) {
        if (dirty) this.indexDirty = true;
        throw err;
      }
    }
    await this.returnStranded();
    return { rebuilt: false, entries: 0, missing: await this.queue.repair(this.db) };
  }

  /** Rebuilds the index in this process when its own writes to it failed (for processes that do not lead the periodic round). */
  async repairQueueIfDirty(): Promise<void> {
    if (!this.indexDirty || Date.now() < this.queueDownUntil) return;
    await this.maintainQueue();
  }

  /** Rebuilds the ready index from Postgres; concurrent callers share one rebuild. */
  async rebuildQueue(): Promise<number> {
    this.rebuilding ??= this.queue.rebuild(this.db).finally(() => {
      this.rebuilding = null;
    });
    return this.rebuilding;
  }

  /** Leases that ran out: each task goes back to the queue with the attempt counted, or fails. */
  async sweepLeases(): Promise<number> {
    let n = 0;
    for (const id of await expiredAssignments(this.db)) {
      const t = await this.endAssignment(id, 'expired', 'lease expired: no heartbeat from the agent', { countAttempt: true });
      if (t) n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- helpers

  private async taskIn(tx: Queryable, id: number, lock = false): Promise<Task> {
    const { rows } = await tx.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM ${TASK_FROM} WHERE t.id = $1 ${lock ? 'FOR UPDATE OF t' : ''}`, [id]);
    if (!rows[0]) throw new NotFoundError(`no task with id ${id}`);
    return mapTask(rows[0]);
  }

  private assignmentEvent(a: Assignment, t: Task) {
    return { id: a.id, task_id: t.id, key: t.key, agent_id: a.agentId, pool: a.pool, epoch: a.epoch, status: a.status, percent_complete: a.percentComplete };
  }
}
