import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import { guardsFor } from './guardsFor.js';
import { flagUntrustedEdit, guardHeldTasks, taskProvenance } from './sql/guardReads.js';
import { guardSettings } from './sql/guardSettings.js';
import { setFleetGuards } from './sql/setGuardSettings.js';
import type { FleetConfig } from '../../schema/fleetConfig.js';

/** What `/fleet pause|resume|stop|status` need from the guard rails (the GitHub App's view of them). */
export interface GuardCommands {
  pause(projectId: number): Promise<{ changed: boolean; mode: 'drain' | 'stop'; held: number; stopping: number }>;
  resume(projectId: number): Promise<{ changed: boolean; released: number }>;
  /** Holds the task (reason `stopped`) and asks its run to stop; the run to cancel now, if any. */
  stopTask(taskId: number): Promise<{ assignmentId: number | null; workflowRunId: number | null }>;
  /** After the run was cancelled: the assignment ends without counting an attempt, the task stays held. */
  endStopped(taskId: number, assignmentId: number): Promise<void>;
  /** Lines for `/fleet status`: paused, tasks held by budget, open circuits. */
  statusLines(projectId: number): Promise<string[]>;
  /** The repository's `.github/fleet.yml` guard settings (budgets, pause, backoff, circuitBreaker) apply from now on. */
  applyFleetConfig(projectId: number, cfg: Pick<FleetConfig, 'budgets' | 'pause' | 'backoff' | 'circuitBreaker'>): Promise<void>;
  /** A plan sync wrote its issues: while paused, new tasks are held and new epic issues labelled `fleet:paused`. */
  planSynced(projectId: number): Promise<void>;
  /** Whether the task's text was synced from a plan file (then its issue never rewrites it). */
  planSourced(taskId: number): Promise<boolean>;
  /** Someone without write access edited the body of this issue: its task is flagged on the dashboard. */
  flagUntrustedEdit(projectId: number, issueNumber: number, by: string): Promise<string[]>;
}

export function guardCommands(o: { db: Db; engine: Engine }): GuardCommands {
  const g = guardsFor(o);
  return {
    pause: (projectId) => g.pause(projectId),
    resume: (projectId) => g.resume(projectId),
    stopTask: async (taskId) => g.stopTask(await o.engine.getTask(taskId)),
    endStopped: async (taskId, assignmentId) => g.endStopped(await o.engine.getTask(taskId), assignmentId),
    async applyFleetConfig(projectId, cfg) {
      // Budgets set in fleet.yml win; a fleet.yml without any keeps what the API set.
      const current = await guardSettings(o.db, projectId);
      if (!current) return;
      const fileBudgets = Object.fromEntries(Object.entries(cfg.budgets).filter(([, v]) => typeof v === 'number'));
      const budgets = Object.keys(fileBudgets).length ? fileBudgets : current.budgets;
      await setFleetGuards(o.db, projectId, { budgets, pauseMode: cfg.pause, backoff: cfg.backoff, circuitBreaker: cfg.circuitBreaker });
    },
    planSynced: async (projectId) => void (await g.afterPlanSync(projectId)),
    planSourced: async (taskId) => (await taskProvenance(o.db, taskId)) !== null,
    flagUntrustedEdit: (projectId, issueNumber, by) => flagUntrustedEdit(o.db, projectId, issueNumber, new Date(g.now()), by),
    async statusLines(projectId) {
      const lines: string[] = [];
      if (await g.isPaused(projectId)) lines.push('The project is **paused**: nothing is dispatched or handed out (`/fleet resume` resumes it).');
      const budget = (await guardHeldTasks(o.db, projectId)).filter((h) => h.reason === 'budget').map((h) => h.key);
      if (budget.length) lines.push(`Held for budget: ${budget.slice(0, 20).join(', ')}${budget.length > 20 ? ` and ${budget.length - 20} more` : ''}.`);
      for (const c of await g.circuits(projectId)) {
        if (c.status !== 'closed') lines.push(`Pool \`${c.pool}\`: circuit ${c.status === 'open' ? `open until ${c.open_until}` : 'half-open (one trial run)'}, last failure ${c.last_failure ?? 'unknown'}.`);
      }
      return lines;
    },
  };
}
