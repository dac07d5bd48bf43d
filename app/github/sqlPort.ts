import type { Db } from '../store/db.js';
import { createFeedbackStore } from '../feedback/store.js';
import type { Task } from '../engine/types.js';
import { taskById } from '../engine/sql/taskById.js';
import { activeAssignment } from '../engine/sql/activeAssignment.js';
import { ensureProject } from '../engine/sql/ensureProject.js';
import { findProject } from '../engine/sql/findProject.js';
import { setProjectSettings } from '../engine/sql/setProjectSettings.js';
import { detachInstallation } from '../engine/sql/detachInstallation.js';
import { lockCriticalPaths, recomputeCriticalPaths } from '../plan/criticalPathHours.js';
import { taskByKey } from './sql/taskByKey.js';
import { taskByIssue } from './sql/taskByIssue.js';
import { taskByPr } from './sql/taskByPr.js';
import { taskByBranch } from './sql/taskByBranch.js';
import { taskByLongestKey } from './sql/taskByLongestKey.js';
import { tasksByIssues } from './sql/tasksByIssues.js';
import { openTasksWithIssues } from './sql/openTasksWithIssues.js';
import { updateIssueTask, type IssueTaskFields } from './sql/updateIssueTask.js';
import { insertIssueTask } from './sql/insertIssueTask.js';
import { linkIssue } from './sql/linkIssue.js';
import { linkEpicIssue } from './sql/linkEpicIssue.js';
import { linkPullRequest } from './sql/linkPullRequest.js';
import { recordEvidence } from '../evidence/recordEvidence.js';
import { setPrFiles } from './sql/setPrFiles.js';
import { setConflictMode } from './sql/setConflictMode.js';
import { recentEvidence } from './sql/recentEvidence.js';
import { activeInPool } from './sql/activeInPool.js';
import { recordDispatch } from './sql/recordDispatch.js';
import { recordRun } from './sql/recordRun.js';
import { assignmentByRun } from './sql/assignmentByRun.js';
import { createEffectStore } from './sql/effectStore.js';
import type { EngineHooks, FleetPort, IssueTaskInput, PoolSpec } from './ports.js';

export { createEffectStore } from './sql/effectStore.js';

/**
 * FleetPort over Postgres and the engine: a thin adapter. Reads and GitHub-identity writes are
 * named statements (app/github/sql/, app/engine/sql/); claims, releases, every status change
 * (engine.moveTask) and every steering edit are the engine's use cases, which own the
 * transition table, leases, epochs, critical path hours and the ready queue. A refusal comes
 * back as a clear answer, not an exception.
 */

/** Key given to a task that was born as a hand-written issue. */
export const issueTaskKey = (issueNumber: number): string => `i${issueNumber}`;

export interface SqlPortOptions {
  engine: EngineHooks;
}

export function createSqlPort(db: Db, opts: SqlPortOptions): FleetPort {
  const { engine } = opts;

  async function mustTask(taskId: number): Promise<Task> {
    const t = await taskById(db, taskId);
    if (!t) throw new Error(`task ${taskId} does not exist`);
    return t;
  }

  /**
   * A task from its issue: created or brought in line in one transaction that also recomputes the
   * project's critical path hours (the one writer) when the estimate moved or the task is new.
   */
  async function writeIssueTask(projectId: number, input: IssueTaskInput): Promise<{ id: number; created: boolean; moved: number[] }> {
    const fields: IssueTaskFields = {
      title: input.title.slice(0, 500) || `Issue #${input.issueNumber}`,
      body: input.body.slice(0, 65_536),
      issueNumber: input.issueNumber,
      issueNodeId: input.issueNodeId ?? null,
      estimatedHours: input.estimatedHours ?? null,
    };
    return db.transaction(async (tx) => {
      await lockCriticalPaths(tx, projectId);
      const existing = (await taskByIssue(tx, projectId, input.issueNumber)) ?? (input.key ? await taskByKey(tx, projectId, input.key) : null);
      if (existing) {
        const { estimateChanged } = await updateIssueTask(tx, existing.id, fields);
        return { id: existing.id, created: false, moved: estimateChanged ? await recomputeCriticalPaths(tx, projectId) : [] };
      }
      const row = await insertIssueTask(tx, projectId, input.key ?? issueTaskKey(input.issueNumber), fields);
      return { id: row.id, created: row.inserted, moved: row.inserted ? await recomputeCriticalPaths(tx, projectId) : [] };
    });
  }

  const port: FleetPort = {
    effects: createEffectStore(db),
    feedback: createFeedbackStore(db, engine),

    ensureProject: (ref) => ensureProject(db, ref),
    setProjectSettings: (projectId, st) => setProjectSettings(db, projectId, st),
    setConflictMode: (projectId, mode) => setConflictMode(db, projectId, mode),
    findProject: (owner, repo) => findProject(db, owner, repo),
    detachInstallation: (installationId, repos) => detachInstallation(db, installationId, repos),

    findTaskByKey: (projectId, key) => taskByKey(db, projectId, key),
    findTaskByIssue: (projectId, n) => taskByIssue(db, projectId, n),
    findTaskByPr: (projectId, n) => taskByPr(db, projectId, n),
    findTaskById: (id) => taskById(db, id),
    async findTaskByBranch(projectId, branch) {
      return (await taskByBranch(db, projectId, branch)) ?? taskByLongestKey(db, projectId, branchKeyCandidates(branch));
    },
    tasksByIssues: (projectId, issueNumbers) => tasksByIssues(db, projectId, issueNumbers),
    openTasksWithIssues: (projectId) => openTasksWithIssues(db, projectId),

    async upsertTaskFromIssue(projectId, input: IssueTaskInput) {
      const { id, created, moved } = await writeIssueTask(projectId, input);
      const unknownDependencies: number[] = [];
      if (input.dependsOnIssues?.length) {
        const deps = await tasksByIssues(db, projectId, input.dependsOnIssues);
        const ids: number[] = [];
        for (const n of input.dependsOnIssues) {
          const d = deps.get(n);
          if (d && d.id !== id) ids.push(d.id);
          else if (!d) unknownDependencies.push(n);
        }
        if (ids.length) await engine.addDependencies(id, ids);
      }
      await engine.reindex([id, ...moved]);
      return { task: await mustTask(id), created, unknownDependencies };
    },

    linkIssue: (taskId, issueNumber, nodeId) => linkIssue(db, taskId, issueNumber, nodeId),
    linkEpicIssue: (projectId, epicKey, issueNumber, nodeId) => linkEpicIssue(db, projectId, epicKey, issueNumber, nodeId),
    linkPullRequest: (taskId, prNumber, branch) => linkPullRequest(db, taskId, prNumber, branch),
    setPrFiles: (taskId, files) => setPrFiles(db, taskId, files),

    async recordEvidence(e) {
      // The one evidence writer; the event goes out through the engine's hook with the same payload the API publishes.
      const json = await recordEvidence(db, null, {
        projectId: e.projectId,
        taskId: e.taskId,
        type: e.type,
        ref: e.ref ?? null,
        url: e.url ?? null,
        source: e.source,
        deliveryId: e.deliveryId ?? null,
        metadata: e.metadata ?? {},
      });
      if (json) engine.onEvidence(json);
      return json !== null;
    },

    activeInPool: (projectId, pool) => activeInPool(db, projectId, pool),
    claimForPool: (pool: PoolSpec, projectId: number) => engine.claimForPool(pool, projectId),
    recordDispatch: (assignmentId, run) => recordDispatch(db, assignmentId, { workflowRunId: run.workflowRunId ?? null, runnerName: run.runnerName ?? null }),
    recordRun: (taskId, run) => recordRun(db, taskId, { workflowRunId: run.workflowRunId ?? null, runnerName: run.runnerName ?? null }),

    async release(taskId, reason, o = {}) {
      const task = await mustTask(taskId);
      if (task.status !== 'assigned' && task.status !== 'in_progress') {
        return { changed: false, refused: `task ${task.key} is ${task.status}, not running`, task };
      }
      if (o.epoch !== undefined && o.epoch !== task.leaseEpoch) {
        return { changed: false, refused: `lease epoch ${o.epoch} is stale (current ${task.leaseEpoch})`, task };
      }
      await engine.releaseTask(taskId, reason.slice(0, 500), { countAttempt: o.countAttempt ?? true });
      return { changed: true, task: await mustTask(taskId) };
    },

    // Status changes are the engine's (moveTask): what differs per case is said here.
    markInProgress: (taskId) => engine.moveTask(taskId, 'in_progress', 'in_progress', { from: ['assigned'], refresh: 'status' }),

    markInReview: (taskId) =>
      engine.moveTask(taskId, 'in_review', 'pull request opened', {
        from: ['pending', 'assigned', 'in_progress', 'failed'],
        via: 'pending',
        set: { readySince: 'clear' },
        refresh: 'reindex',
      }),

    markDone: (taskId, reason) =>
      engine.moveTask(taskId, 'done', reason.slice(0, 500), {
        via: 'pending',
        set: { failureReason: 'clear', readySince: 'clear' },
        refresh: 'status',
      }),

    markCancelled: (taskId, reason) =>
      engine.moveTask(taskId, 'cancelled', reason.slice(0, 500), {
        from: ['pending', 'assigned', 'in_progress', 'in_review', 'failed'],
        set: { failureReason: 'keep', readySince: 'clear' },
        refresh: 'status',
      }),

    reopen: (taskId, reason) =>
      engine.moveTask(taskId, 'pending', reason.slice(0, 500), {
        from: ['done', 'cancelled', 'failed', 'in_review'],
        set: { completedAt: 'clear', failureReason: 'clear', attempts: 'keep' },
        refresh: 'reindex',
      }),

    async retry(taskId) {
      const task = await mustTask(taskId);
      if (task.status === 'assigned' || task.status === 'in_progress') {
        return port.release(taskId, 'retry requested', { countAttempt: false });
      }
      return engine.moveTask(taskId, 'pending', 'retry requested', {
        from: ['failed', 'cancelled'],
        set: { attempts: 'reset', failureReason: 'clear', completedAt: 'clear' },
        refresh: 'reindex',
      });
    },

    cancel: (taskId, reason) => port.markCancelled(taskId, reason),

    // Steering is the engine's (app/engine/taskEdits.ts).
    setHeld: (taskId, held) => engine.setHeld(taskId, held),
    setPriority: (taskId, priority) => engine.setPriority(taskId, Math.max(0, Math.min(3, Math.trunc(priority)))),
    setRequiredPool: (taskId, pool) => engine.setRequiredPool(taskId, pool),
    setEstimate: (taskId, hours) => engine.setEstimate(taskId, hours),
    addDependencies: (taskId, dependsOn) => engine.addDependencies(taskId, dependsOn),
    refreshTasks: (taskIds) => engine.reindex(taskIds),
    assignToAgent: (taskId, agentName) => engine.assignToAgent(taskId, agentName),

    async findTaskByRun(projectId, runId) {
      const r = await assignmentByRun(db, projectId, runId);
      if (!r) return null;
      const task = await taskById(db, r.taskId);
      return task ? { task, active: r.active, epoch: r.epoch } : null;
    },

    async status(taskId) {
      const task = await taskById(db, taskId);
      if (!task) return null;
      const a = await activeAssignment(db, taskId);
      return {
        task,
        unmetDependencies: await engine.unmetDependencies(taskId),
        activeAssignment: a
          ? { id: a.id, pool: a.pool, epoch: a.epoch, leaseExpiresAt: a.leaseExpiresAt, workflowRunId: a.workflowRunId, runnerName: a.runnerName }
          : null,
        recentEvidence: await recentEvidence(db, taskId),
      };
    },
  };
  return port;
}

/** `fleet/1.2-some-title` → ['1.2-some-title', '1.2-some', '1.2']: longest first, the DB picks. */
export function branchKeyCandidates(branch: string): string[] {
  const m = /^(?:refs\/heads\/)?fleet\/(.+)$/.exec(branch);
  if (!m?.[1]) return [];
  const rest = m[1].slice(0, 200);
  const parts = rest.split('-');
  const out: string[] = [];
  for (let i = parts.length; i >= 1; i--) {
    const k = parts.slice(0, i).join('-');
    if (k) out.push(k);
  }
  return out.slice(0, 20);
}
