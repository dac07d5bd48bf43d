import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import type { Assignment, Task } from '../engine/types.js';
import type { Clock } from '../engine/clock.js';
import { systemClock } from '../engine/clock.js';
import { NotFoundError, StaleEpochError } from '../core/errors.js';
import { exhaustedBudgets, type Budgets } from '../core/budgets.js';
import { dayStartOf, spendRollups, type SpendRollups } from './spendRollups.js';

export { dayStartOf, type SpendRollups } from './spendRollups.js';
import { heartbeatStop, type StopAnswer } from '../core/guardDecisions.js';
import { circuitPolicy, circuitStatus, closedCircuit, describeCircuitEvent, dispatchAllowance, openUntilOf, readCircuitState, recordEnding, type AgentEnding } from '../core/circuitBreaker.js';
import { recordEvidence, type EvidenceJson } from '../evidence/recordEvidence.js';
import { guardSettings, type GuardSettings } from './sql/guardSettings.js';
import { setProjectBudgets, setProjectPaused } from './sql/setGuardSettings.js';
import { taskSpend, type TaskSpendRow } from './sql/taskSpend.js';
import { holdPending, holdTasks, releaseDueBackoffs, releaseHolds } from './sql/guardHolds.js';
import { markRunCancelled, markStopSent, overdueStops, requestStop, stopRequested, type OverdueStop } from './sql/assignmentStops.js';
import { circuitState, circuitStatesForPool, listCircuits, putCircuitState } from './sql/poolCircuits.js';
import { activeInProjectPool } from './sql/activeInProjectPool.js';
import { activeInPoolAnywhere } from './sql/activeInPoolAnywhere.js';
import { relabelPaused } from './sql/pauseLabels.js';

/** One usage report from the Action: cumulative for its run (assignment and epoch). */
export interface UsageReport {
  epoch: number;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cachedInputTokens?: number | undefined;
  costUsd?: number | undefined;
  model?: string | undefined;
  turns?: number | undefined;
  wallSeconds?: number | undefined;
  runnerMinutes?: number | undefined;
  source?: string | undefined;
  final?: boolean | undefined;
}

export interface CircuitView {
  pool: string;
  status: 'closed' | 'open' | 'half_open';
  open_until: string | null;
  trips: number;
  last_failure: string | null;
}

/**
 * The guard rails of issue 15 around the engine: usage and spend, budgets before hand-out and
 * while running, the kill switch, stop requests, backoff release and the pool circuits. The
 * decisions are pure (app/core/budgets, guardDecisions, circuitBreaker); this loads the facts,
 * stores the outcomes, and keeps the held tasks (hold_reason) in line so the queue never offers
 * what may not be handed out.
 */
export class GuardRails {
  readonly now: Clock;
  constructor(
    private readonly o: { db: Db; engine: Engine; now?: Clock },
  ) {
    this.now = o.now ?? systemClock;
  }

  private async settings(projectId: number): Promise<GuardSettings> {
    const s = await guardSettings(this.o.db, projectId);
    if (!s) throw new NotFoundError(`no project with id ${projectId}`);
    return s;
  }

  // usage and spend

  /** Stores one cumulative usage report as evidence of type `usage`; then re-checks the budgets. */
  async recordUsage(a: Assignment, task: Task, u: UsageReport, agentId: number | null): Promise<EvidenceJson | null> {
    if (u.epoch !== a.epoch) throw new StaleEpochError(`assignment ${a.id}: usage for epoch ${u.epoch}, but the assignment is at epoch ${a.epoch}`);
    const metadata: Record<string, unknown> = { assignment_id: a.id, epoch: u.epoch };
    const put = (k: string, v: unknown) => {
      if (v !== undefined) metadata[k] = v;
    };
    put('input_tokens', u.inputTokens);
    put('output_tokens', u.outputTokens);
    put('cost_usd', u.costUsd);
    put('model', u.model);
    put('turns', u.turns);
    put('wall_seconds', u.wallSeconds);
    put('runner_minutes', u.runnerMinutes);
    put('source', u.source);
    put('cached_input_tokens', u.cachedInputTokens);
    put('final', u.final);
    const ev = await recordEvidence(this.o.db, (t, d) => this.o.engine.events.publish(t, d), {
      projectId: task.projectId,
      taskId: task.id,
      type: 'usage',
      source: 'agent',
      agentId,
      ref: `assignment ${a.id} epoch ${u.epoch}`,
      metadata,
      // The day budget's window is read on the engine's clock (dayStartOf(this.now())), so the
      // report is dated on it too: with the database's clock, a report near midnight, or any
      // report under a clock that is not the wall's, counted on the wrong day.
      at: new Date(this.now()),
    });
    await this.enforceBudgets(task.projectId);
    return ev;
  }

  async spend(projectId: number): Promise<TaskSpendRow[]> {
    return taskSpend(this.o.db, projectId, dayStartOf(this.now()));
  }

  /** Spend, burn rate and budget left per task, epic, project and day. */
  async rollups(projectId: number): Promise<SpendRollups> {
    const s = await this.settings(projectId);
    return spendRollups(s.budgets, await this.spend(projectId), this.now());
  }

  // budgets

  async setBudgets(projectId: number, budgets: Budgets): Promise<Budgets> {
    await this.settings(projectId);
    await setProjectBudgets(this.o.db, projectId, budgets);
    await this.enforceBudgets(projectId);
    return budgets;
  }

  /**
   * Holds (reason `budget`) every pending task whose task, epic or day budget is spent, and
   * releases budget holds that no longer apply (a new day, a raised budget). Returns the ids held.
   */
  async enforceBudgets(projectId: number): Promise<number[]> {
    const s = await this.settings(projectId);
    const over = await this.overBudget(projectId, s.budgets);
    const held = await holdTasks(this.o.db, projectId, [...over], 'budget');
    const released = await releaseHolds(this.o.db, projectId, 'budget', [...over]);
    if (held.length || released.length) await this.o.engine.reindex([...held, ...released]);
    return held;
  }

  /** The ids of the project's tasks that may not be handed out under its budgets. */
  private async overBudget(projectId: number, budgets: Budgets): Promise<Set<number>> {
    if (!Object.values(budgets).some((v) => typeof v === 'number')) return new Set();
    const rows = await this.spend(projectId);
    const day = rows.reduce((n, r) => n + r.dayUsd, 0);
    const epicUsd = new Map<number, number>();
    for (const r of rows) if (r.epicId !== null) epicUsd.set(r.epicId, (epicUsd.get(r.epicId) ?? 0) + r.usd);
    const tasks = await this.o.engine.listTasks({ projectId });
    const bySpend = new Map(rows.map((r) => [r.taskId, r]));
    const out = new Set<number>();
    for (const t of tasks) {
      const r = bySpend.get(t.id);
      const spent = exhaustedBudgets(budgets, {
        taskUsd: r?.usd ?? 0,
        taskMinutes: r?.minutes ?? 0,
        epicUsd: t.epicId === null ? 0 : epicUsd.get(t.epicId) ?? 0,
        dayUsd: day,
      });
      if (spent.length) out.add(t.id);
    }
    return out;
  }

  // while running

  /**
   * The heartbeat answer's `stop`: an explicit stop, a pause with `pause: stop`, or a spent
   * budget. The first stop sent is recorded: the grace period before the run is cancelled runs from it.
   */
  async heartbeatAnswer(a: Assignment, task: Task): Promise<StopAnswer> {
    const s = await this.settings(task.projectId);
    const requested = await stopRequested(this.o.db, a.id);
    const rows = s.budgets && Object.keys(s.budgets).length ? await this.spend(task.projectId) : [];
    const mine = rows.find((r) => r.taskId === task.id);
    const epicUsd = task.epicId === null ? 0 : rows.filter((r) => r.epicId === task.epicId).reduce((n, r) => n + r.usd, 0);
    const answer = heartbeatStop({
      stopRequested: requested === 'stopped',
      paused: s.paused || requested === 'paused',
      pauseMode: requested === 'paused' ? 'stop' : s.pauseMode,
      budgets: s.budgets,
      spend: { taskUsd: mine?.usd ?? 0, taskMinutes: mine?.minutes ?? 0, epicUsd, dayUsd: rows.reduce((n, r) => n + r.dayUsd, 0) },
    });
    if (answer.stop) await markStopSent(this.o.db, a.id, answer.reason, new Date(this.now()));
    return answer;
  }

  /** Runs told to stop more than `graceMs` ago that still hold their lease. */
  overdueStops(graceMs: number): Promise<OverdueStop[]> {
    return overdueStops(this.o.db, new Date(this.now() - graceMs));
  }

  /**
   * After the run was cancelled (or had none): the lease is revoked without counting an attempt,
   * and the task held with the stop's reason so it is not handed out again at once.
   */
  async revoke(stop: Pick<OverdueStop, 'assignmentId' | 'taskId' | 'projectId' | 'reason'>): Promise<void> {
    await markRunCancelled(this.o.db, stop.assignmentId, new Date(this.now()));
    await this.o.engine.endAssignment(stop.assignmentId, 'released', `run cancelled: ${stop.reason}`, { countAttempt: false });
    const reason = stop.reason === 'budget' ? 'budget' : stop.reason === 'paused' ? 'paused' : 'stopped';
    const held = await holdTasks(this.o.db, stop.projectId, [stop.taskId], reason);
    if (held.length) await this.o.engine.reindex(held);
  }

  // the kill switch

  /** Pauses the project: nothing pending is handed out; with `pause: stop` running jobs are told to stop. */
  async pause(projectId: number): Promise<{ changed: boolean; mode: 'drain' | 'stop'; held: number; stopping: number }> {
    const s = await this.settings(projectId);
    const changed = await setProjectPaused(this.o.db, projectId, true);
    const held = await holdPending(this.o.db, projectId, 'paused');
    if (held.length) await this.o.engine.reindex(held);
    const stopping = s.pauseMode === 'stop' ? await requestStop(this.o.db, projectId, 'paused') : [];
    return { changed, mode: s.pauseMode, held: held.length, stopping: stopping.length };
  }

  async resume(projectId: number): Promise<{ changed: boolean; released: number }> {
    await this.settings(projectId);
    const changed = await setProjectPaused(this.o.db, projectId, false);
    const released = await releaseHolds(this.o.db, projectId, 'paused');
    if (released.length) await this.o.engine.reindex(released);
    return { changed, released: released.length };
  }

  /**
   * After a plan sync: while paused, the tasks it added are held like the others (reason
   * `paused`) and the epic issues it made get the `fleet:paused` label on the next guard round.
   */
  async afterPlanSync(projectId: number): Promise<{ held: number }> {
    if (!(await this.settings(projectId)).paused) return { held: 0 };
    const held = await holdPending(this.o.db, projectId, 'paused');
    if (held.length) await this.o.engine.reindex(held);
    await relabelPaused(this.o.db, projectId);
    return { held: held.length };
  }

  async isPaused(projectId: number): Promise<boolean> {
    return (await this.settings(projectId)).paused;
  }

  /**
   * `/fleet stop <task>`: the task is held (reason `stopped`), its running assignment is told to
   * stop. Returns the assignment whose run the caller cancels now (null when nothing ran).
   */
  async stopTask(task: Task): Promise<{ assignmentId: number | null; workflowRunId: number | null }> {
    const held = await holdTasks(this.o.db, task.projectId, [task.id], 'stopped');
    if (held.length) await this.o.engine.reindex(held);
    const [id] = await requestStop(this.o.db, task.projectId, 'stopped', task.id);
    if (id === undefined) return { assignmentId: null, workflowRunId: null };
    const a = await this.o.engine.getAssignment(id);
    return { assignmentId: id, workflowRunId: a.workflowRunId };
  }

  /** Ends a stopped task's assignment after its run was cancelled: no attempt counted, the task stays held. */
  async endStopped(task: Task, assignmentId: number): Promise<void> {
    await this.revoke({ assignmentId, taskId: task.id, projectId: task.projectId, reason: 'stopped' });
  }

  // circuits

  /** Records how a run in the pool ended; returns the comment text when its circuit opened, re-opened or closed. */
  async recordEnding(projectId: number, pool: string, ending: AgentEnding): Promise<string | null> {
    const s = await this.settings(projectId);
    const policy = circuitPolicy(s.circuitBreaker);
    return this.o.db.transaction(async (tx) => {
      const state = readCircuitState(pool, await circuitState(tx, projectId, pool, true));
      const out = recordEnding(state, ending, this.now(), policy);
      if (out.state === state && !out.event) return null;
      const notice = out.event ? describeCircuitEvent(out.event) : null;
      await putCircuitState(tx, projectId, pool, out.state, notice);
      return notice;
    });
  }

  async circuits(projectId: number | null): Promise<(CircuitView & { project_id: number })[]> {
    const now = this.now();
    return (await listCircuits(this.o.db, projectId)).map((c) => {
      const st = readCircuitState(c.pool, c.state);
      const until = openUntilOf(st);
      return {
        project_id: c.projectId,
        pool: c.pool,
        status: circuitStatus(st, now),
        open_until: until === null ? null : new Date(until).toISOString(),
        trips: st.trips,
        last_failure: st.lastFailure,
      };
    });
  }

  /**
   * The claim gate (Engine.setClaimGate): false when nothing may be handed out to this agent in
   * this project now: the project is paused, or the pool's circuit is open (or half-open with its
   * one trial run out). Budgets are enforced by holds, refreshed here when the project has any.
   */
  async mayClaim(pool: string, projectId: number | undefined): Promise<boolean> {
    const now = this.now();
    if (projectId === undefined) {
      // The claim may pick any project's task, so the pool is refused while any project's circuit
      // for it is open; while one is half-open the pool gets one trial run, whichever project's.
      const states = (await circuitStatesForPool(this.o.db, pool)).map((st) => readCircuitState(pool, st));
      const statuses = states.map((st) => circuitStatus(st, now));
      if (statuses.includes('open')) return false;
      return !statuses.includes('half_open') || (await activeInPoolAnywhere(this.o.db, pool)) === 0;
    }
    const s = await this.settings(projectId);
    if (s.paused) return false;
    const st = readCircuitState(pool, (await circuitState(this.o.db, projectId, pool)) ?? closedCircuit(pool));
    if (circuitStatus(st, now) !== 'closed') {
      const running = await activeInProjectPool(this.o.db, projectId, pool);
      if (dispatchAllowance(st, now, running) <= 0) return false;
    }
    if (Object.values(s.budgets).some((v) => typeof v === 'number')) await this.enforceBudgets(projectId);
    return true;
  }

  // the periodic round

  /**
   * Backoff holds whose time came (the engine's clock). Budget holds are re-checked at each claim
   * (mayClaim) and usage report; a pause is applied to tasks a plan sync adds by afterPlanSync.
   */
  async sweep(): Promise<{ released: number[] }> {
    const released = await releaseDueBackoffs(this.o.db, new Date(this.now()));
    if (released.length) await this.o.engine.reindex(released);
    return { released };
  }
}

