import type { Db } from '../store/db.js';
import type { ReadyQueue } from '../queue/readyQueue.js';
import type { ClaimFilter } from '../queue/claimFilter.js';
import type { TaskStatus } from '../core/taskStatus.js';
import type { EventBus } from './events.js';
import type { Actor, Agent, Assignment, Claim, ProgressReport, Task } from './types.js';
import type { ClaimKey } from './sql/claimTask.js';
import type { TaskListFilter } from './sql/listTasks.js';
import type { AssignmentFilter } from './sql/listAssignments.js';
import { systemClock, type Clock } from './clock.js';
import type { EngineContext, EngineLog } from './context.js';
import { ReadyIndex } from './readyIndex.js';
import { Claims } from './claims.js';
import * as reads from './reads.js';
import * as agents from './agents.js';
import * as leases from './leases.js';
import * as status from './status.js';
import * as edits from './taskEdits.js';
import * as readiness from './readiness.js';
import { reportProgress } from './reportProgress.js';
import { authorize } from './authorize.js';
import { activateAgent } from './sql/activateAgent.js';
import { unmetDependencies } from './sql/unmetDependencies.js';

export type { AgentInput, AgentHeartbeat } from './agents.js';
export type { AssignmentEnd, MoveTaskOptions, MoveResult } from './status.js';
export type { EditResult, TaskPatch } from './taskEdits.js';

export interface EngineOptions {
  db: Db;
  queue: ReadyQueue;
  events: EventBus;
  leaseTtlSeconds?: number;
  maxAttempts?: number;
  log?: EngineLog;
  /** The clock (ms since the epoch) for backoffs and caches; tests may inject one. */
  now?: Clock;
  /** Issue 15: failed attempts wait out their backoff before they are ready again (the server turns it on). */
  retryBackoff?: boolean;
}

/**
 * The assignment engine: claims under leases with fencing epochs, releases, completions and the
 * readiness that follows them. Postgres decides every state change; the queue only proposes.
 * A thin facade: each use case lives in its own module (claims, leases, status, reportProgress,
 * taskEdits, readiness, agents, authorize, reads) over one shared EngineContext.
 */
export class Engine {
  readonly db: Db;
  readonly events: EventBus;
  readonly leaseTtlSeconds: number;
  readonly maxAttempts: number;
  private readonly ctx: EngineContext;
  private readonly claims: Claims;
  private claimGate: ((pool: string, projectId: number | undefined) => Promise<boolean>) | null = null;

  constructor(opts: EngineOptions) {
    this.db = opts.db;
    this.events = opts.events;
    this.leaseTtlSeconds = opts.leaseTtlSeconds ?? 600;
    this.maxAttempts = opts.maxAttempts ?? 3;
    const log = opts.log ?? { warn: () => undefined, info: () => undefined };
    const now = opts.now ?? systemClock;
    this.ctx = {
      db: opts.db,
      events: opts.events,
      index: new ReadyIndex(opts.queue, opts.db, now, log),
      now,
      log,
      leaseTtlSeconds: this.leaseTtlSeconds,
      maxAttempts: this.maxAttempts,
      retryBackoff: opts.retryBackoff ?? false,
    };
    this.claims = new Claims(this.ctx);
  }

  get queueKind(): 'redis' | 'postgres' {
    return this.ctx.index.queue.kind;
  }

  /**
   * Stops handing out work (SIGTERM); reads and reports still go through. Resolves once an index
   * repair a claim started is over, so a shutdown does not close the pool under it.
   */
  async drain(): Promise<void> {
    this.claims.drain();
    await this.claims.settled();
  }

  // reads
  getTask(idOrKey: string | number, projectId?: number): Promise<Task> {
    return reads.getTask(this.ctx, idOrKey, projectId);
  }
  listTasks(f: TaskListFilter = {}): Promise<Task[]> {
    return reads.listTasks(this.ctx, f);
  }
  /** Ready tasks in the order the queue hands them out. */
  listReady(f: Partial<ClaimFilter> = {}, limit = 500): Promise<Task[]> {
    return reads.listReady(this.ctx, f, limit);
  }
  getAgent(id: number): Promise<Agent> {
    return reads.getAgent(this.ctx, id);
  }
  listAgents(): Promise<Agent[]> {
    return reads.listAgents(this.ctx);
  }
  getAssignment(id: number): Promise<Assignment> {
    return reads.getAssignment(this.ctx, id);
  }
  listAssignments(f: AssignmentFilter = {}): Promise<Assignment[]> {
    return reads.listAssignments(this.ctx, f);
  }
  /** What a task still waits for (task keys, "epic 2 at 50%"). */
  unmetDependencies(taskId: number): Promise<string[]> {
    return unmetDependencies(this.db, taskId);
  }

  // agents
  heartbeatAgent(input: agents.AgentInput): Promise<agents.AgentHeartbeat> {
    return agents.heartbeatAgent(this.ctx, input);
  }
  deactivateAgent(id: number): Promise<Agent> {
    return agents.deactivateAgent(this.ctx, id);
  }
  /** The admin's undo of a deactivation: the agent may claim again. */
  activateAgent(id: number): Promise<Agent> {
    return activateAgent(this.db, id);
  }
  /** The agent that stands for a runner pool when the app claims on its behalf. */
  poolAgent(pool: { name: string; capabilities?: string[]; capacity?: number }): Promise<Agent> {
    return agents.poolAgent(this.ctx, pool);
  }
  /** An agent by name: exactly, else case-insensitively when unambiguous. */
  async agentNamed(name: string): Promise<Agent | undefined> {
    return agents.agentByName(await this.listAgents(), name);
  }

  // claims
  /** The app's claim for a runner pool it is about to dispatch to; goes through claim(), which metrics observe. */
  async claimForPool(pool: { name: string; capabilities?: string[]; capacity?: number }, projectId?: number): Promise<Claim | null> {
    const agent = await this.poolAgent(pool);
    return this.claim(agent.id, projectId === undefined ? {} : { projectId });
  }
  /** The best ready task the agent may take, under a new lease; null when nothing fits. */
  async claim(agentId: number, opts: { projectId?: number; key?: ClaimKey | undefined } = {}): Promise<Claim | null> {
    if (this.claimGate && !(await this.claimGate((await this.getAgent(agentId)).pool, opts.projectId))) return null;
    return this.claims.claim(agentId, opts);
  }
  /**
   * Issue 15: what may refuse every hand-out to an agent's pool in a project (a paused project,
   * an open circuit). A claim retried with its idempotency key still gets its earlier answer.
   */
  setClaimGate(gate: ((pool: string, projectId: number | undefined) => Promise<boolean>) | null): void {
    this.claimGate = gate;
  }
  /** Assigns one given task to one given agent; 409 unless the task is ready and free. */
  assign(taskId: number, agentId: number): Promise<Claim> {
    return this.claims.assign(taskId, agentId);
  }
  confirm(taskIdOrKey: string | number, epoch: number, projectId?: number): Promise<Claim> {
    return this.claims.confirm(taskIdOrKey, epoch, projectId);
  }

  // leases and progress
  heartbeatAssignment(assignmentId: number, epoch: number, actor: Actor): Promise<Assignment> {
    return leases.heartbeatAssignment(this.ctx, assignmentId, epoch, actor);
  }
  reportProgress(assignmentId: number, report: ProgressReport, actor: Actor): Promise<{ assignment: Assignment; task: Task }> {
    return reportProgress(this.ctx, assignmentId, report, actor);
  }
  endAssignment(assignmentId: number, s: 'released' | 'failed' | 'expired' | 'cancelled', reason: string, opts: { countAttempt: boolean }): Promise<Task | null> {
    return leases.endAssignment(this.ctx, assignmentId, s, reason, opts);
  }
  releaseTask(taskId: number, reason: string, opts: { countAttempt: boolean }): Promise<Task> {
    return leases.releaseTask(this.ctx, taskId, reason, opts);
  }
  sweepLeases(): Promise<number> {
    return leases.sweepLeases(this.ctx);
  }
  /** Whether the actor may act on the assignment (an agent only on its own); throws ForbiddenError. */
  authorize(actor: Actor, a: Assignment): void {
    authorize(actor, a);
  }

  // status
  setStatus(taskId: number, to: TaskStatus, reason: string): Promise<Task> {
    return status.setStatus(this.ctx, taskId, to, reason);
  }
  /** The one status change (see app/engine/status.ts). */
  moveTask(taskId: number, to: TaskStatus, reason: string, opts: status.MoveTaskOptions = {}): Promise<status.MoveResult> {
    return status.moveTask(this.ctx, taskId, to, reason, opts);
  }

  // steering and edits
  updateTask(taskId: number, patch: edits.TaskPatch): Promise<Task> {
    return edits.updateTask(this.ctx, taskId, patch);
  }
  setGit(taskId: number, git: { epoch?: number | undefined; branch?: string | undefined; prNumber?: number | undefined; prUrl?: string | undefined }, actor: Actor): Promise<Task> {
    return edits.setGit(this.ctx, taskId, git, actor);
  }
  setHeld(taskId: number, held: boolean): Promise<edits.EditResult> {
    return edits.setHeld(this.ctx, taskId, held);
  }
  setPriority(taskId: number, priority: number): Promise<edits.EditResult> {
    return edits.setPriority(this.ctx, taskId, priority);
  }
  setRequiredPool(taskId: number, pool: string | null): Promise<edits.EditResult> {
    return edits.setRequiredPool(this.ctx, taskId, pool);
  }
  setEstimate(taskId: number, hours: number): Promise<edits.EditResult> {
    return edits.setEstimate(this.ctx, taskId, hours);
  }
  addDependencies(taskId: number, dependsOn: number[]): Promise<{ added: number; refused: string[] }> {
    return edits.addDependencies(this.ctx, taskId, dependsOn);
  }

  // readiness and the index
  afterStatusChange(tasks: Task[]): Promise<void> {
    return readiness.afterStatusChange(this.ctx, tasks);
  }
  /** Recomputes readiness for every task (after seeding, and on the periodic sweep). */
  refreshAll(): Promise<number> {
    return readiness.refreshAll(this.ctx);
  }
  /** Tasks whose rows were written from outside (a plan sync): index entries replaced, dependents refreshed. */
  async reindex(ids: number[]): Promise<void> {
    await readiness.reindex(this.ctx, ids);
  }
  /** Whether the ready index still holds what the last rebuild wrote. */
  queueIntact(): Promise<boolean> {
    return this.ctx.index.intact();
  }
  maintainQueue(opts: { rebuild?: boolean } = {}): Promise<{ rebuilt: boolean; entries: number; missing: number; reason?: string }> {
    return this.ctx.index.maintain(opts);
  }
  /** Rebuilds the index in this process when its own writes to it failed (for processes that do not lead the periodic round). */
  repairQueueIfDirty(): Promise<void> {
    return this.ctx.index.repairIfDirty();
  }
  /** Rebuilds the ready index from Postgres; concurrent callers share one rebuild. */
  rebuildQueue(): Promise<number> {
    return this.ctx.index.rebuild();
  }
}
