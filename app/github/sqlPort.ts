import type { Db, Queryable } from '../store/db.js';
import { createFeedbackStore } from '../feedback/store.js';
import type { Task } from '../engine/types.js';
import { TASK_COLUMNS, TASK_FROM, mapTask, type TaskRow } from '../engine/sql/taskRow.js';
import { refreshReadiness, affectedBy } from '../engine/sql/refreshReadiness.js';
import { lockCriticalPaths, recomputeCriticalPaths } from '../plan/criticalPathHours.js';
import type {
  EffectRow,
  EffectStore,
  EngineHooks,
  EvidenceInput,
  FleetPort,
  IssueTaskInput,
  PoolSpec,
  Project,
  ProjectRef,
  RunInfo,
  TaskStatusReport,
} from './ports.js';

/**
 * FleetPort over Postgres. Plain data (projects, task lookup, evidence, steering) is
 * parameterised SQL here. Claims, releases and every status change go through the engine
 * (engine.moveTask via EngineHooks), which owns the transition table, leases, epochs, the end of
 * assignments and the ready queue; a refusal comes back as a clear answer, not an exception.
 */

interface ProjectRow {
  id: number;
  owner: string;
  repo: string;
  default_branch: string;
  installation_id: number | null;
  lease_ttl_seconds: number | null;
  max_attempts: number | null;
}

const mapProject = (r: ProjectRow): Project => ({
  id: Number(r.id),
  owner: r.owner,
  repo: r.repo,
  defaultBranch: r.default_branch,
  installationId: r.installation_id === null ? null : Number(r.installation_id),
  leaseTtlSeconds: r.lease_ttl_seconds ?? null,
  maxAttempts: r.max_attempts ?? null,
});

const SELECT_TASK = `SELECT ${TASK_COLUMNS} FROM ${TASK_FROM}`;

/** Key given to a task that was born as a hand-written issue. */
export const issueTaskKey = (issueNumber: number): string => `i${issueNumber}`;

export interface SqlPortOptions {
  engine: EngineHooks;
}

export function createSqlPort(db: Db, opts: SqlPortOptions): FleetPort {
  const { engine } = opts;
  const assignToAgent = engine.assignToAgent?.bind(engine);

  async function one(q: Queryable, where: string, params: unknown[]): Promise<Task | null> {
    const { rows } = await q.query<TaskRow>(`${SELECT_TASK} WHERE ${where} LIMIT 1`, params);
    return rows[0] ? mapTask(rows[0]) : null;
  }

  async function mustTask(taskId: number): Promise<Task> {
    const t = await one(db, 't.id = $1', [taskId]);
    if (!t) throw new Error(`task ${taskId} does not exist`);
    return t;
  }

  async function changed(taskIds: number[]): Promise<void> {
    if (!taskIds.length) return;
    if (engine.onTasksChanged) return engine.onTasksChanged(taskIds);
    await refreshReadiness(db, await affectedBy(db, taskIds));
  }

  const port: FleetPort = {
    effects: createEffectStore(db),
    feedback: createFeedbackStore(db, engine),

    async ensureProject(ref: ProjectRef) {
      const { rows } = await db.query<ProjectRow>(
        `INSERT INTO projects (owner, repo, installation_id, default_branch)
         VALUES ($1, $2, $3, COALESCE($4, 'main'))
         ON CONFLICT (owner, repo) DO UPDATE SET
           installation_id = COALESCE(EXCLUDED.installation_id, projects.installation_id),
           default_branch = COALESCE($4, projects.default_branch),
           updated_at = CASE WHEN projects.installation_id IS DISTINCT FROM COALESCE(EXCLUDED.installation_id, projects.installation_id)
                               OR projects.default_branch IS DISTINCT FROM COALESCE($4, projects.default_branch)
                             THEN now() ELSE projects.updated_at END
         RETURNING id, owner, repo, default_branch, installation_id, lease_ttl_seconds, max_attempts`,
        [ref.owner, ref.repo, ref.installationId ?? null, ref.defaultBranch ?? null],
      );
      return mapProject(rows[0]!);
    },

    async setProjectSettings(projectId, st) {
      await db.query(
        `UPDATE projects SET lease_ttl_seconds = $2, max_attempts = $3, updated_at = now()
         WHERE id = $1 AND (lease_ttl_seconds IS DISTINCT FROM $2 OR max_attempts IS DISTINCT FROM $3)`,
        [projectId, st.leaseTtlSeconds, st.maxAttempts],
      );
    },

    async findProject(owner, repo) {
      const { rows } = await db.query<ProjectRow>(
        'SELECT id, owner, repo, default_branch, installation_id, lease_ttl_seconds, max_attempts FROM projects WHERE lower(owner) = lower($1) AND lower(repo) = lower($2)',
        [owner, repo],
      );
      return rows[0] ? mapProject(rows[0]) : null;
    },

    async detachInstallation(installationId, repos) {
      if (repos?.length) {
        for (const r of repos) {
          await db.query('UPDATE projects SET installation_id = NULL, updated_at = now() WHERE installation_id = $1 AND owner = $2 AND repo = $3', [
            installationId,
            r.owner,
            r.repo,
          ]);
        }
      } else {
        await db.query('UPDATE projects SET installation_id = NULL, updated_at = now() WHERE installation_id = $1', [installationId]);
      }
    },

    findTaskByKey: (projectId, key) => one(db, 't.project_id = $1 AND t.key = $2', [projectId, key]),
    findTaskByIssue: (projectId, n) => one(db, 't.project_id = $1 AND t.issue_number = $2', [projectId, n]),
    findTaskByPr: (projectId, n) => one(db, 't.project_id = $1 AND t.pr_number = $2', [projectId, n]),
    findTaskById: (id) => one(db, 't.id = $1', [id]),

    async findTaskByBranch(projectId, branch) {
      const byBranch = await one(db, 't.project_id = $1 AND t.branch = $2', [projectId, branch]);
      if (byBranch) return byBranch;
      const keys = branchKeyCandidates(branch);
      if (!keys.length) return null;
      const { rows } = await db.query<TaskRow>(
        `${SELECT_TASK} WHERE t.project_id = $1 AND t.key = ANY($2::text[]) ORDER BY length(t.key) DESC LIMIT 1`,
        [projectId, keys],
      );
      return rows[0] ? mapTask(rows[0]) : null;
    },

    async tasksByIssues(projectId, issueNumbers) {
      const out = new Map<number, Task>();
      if (!issueNumbers.length) return out;
      const { rows } = await db.query<TaskRow>(`${SELECT_TASK} WHERE t.project_id = $1 AND t.issue_number = ANY($2::int[])`, [
        projectId,
        issueNumbers,
      ]);
      for (const r of rows) out.set(r.issue_number!, mapTask(r));
      return out;
    },

    async openTasksWithIssues(projectId) {
      const { rows } = await db.query<TaskRow>(
        `${SELECT_TASK} WHERE t.project_id = $1 AND t.issue_number IS NOT NULL AND t.status NOT IN ('done', 'cancelled') ORDER BY t.id`,
        [projectId],
      );
      return rows.map(mapTask);
    },

    async upsertTaskFromIssue(projectId, input: IssueTaskInput) {
      const title = input.title.slice(0, 500) || `Issue #${input.issueNumber}`;
      const body = input.body.slice(0, 65_536);
      const hours = input.estimatedHours;
      const existing =
        (await one(db, 't.project_id = $1 AND t.issue_number = $2', [projectId, input.issueNumber])) ??
        (input.key ? await one(db, 't.project_id = $1 AND t.key = $2', [projectId, input.key]) : null);
      let task: Task;
      let created = false;
      if (existing) {
        await db.query(
          `UPDATE tasks SET title = $2, body = $3, issue_number = $4, issue_node_id = COALESCE($5, issue_node_id),
             estimated_hours = COALESCE($6, estimated_hours)
           WHERE id = $1 AND (title, body, issue_number, issue_node_id, estimated_hours)
             IS DISTINCT FROM ($2, $3, $4, COALESCE($5, issue_node_id), COALESCE($6, estimated_hours))`,
          [existing.id, title, body, input.issueNumber, input.issueNodeId ?? null, hours ?? null],
        );
        task = await mustTask(existing.id);
      } else {
        const key = input.key ?? issueTaskKey(input.issueNumber);
        const { rows } = await db.query<{ id: number }>(
          `INSERT INTO tasks (project_id, key, title, body, estimated_hours, critical_path_hours, issue_number, issue_node_id)
           VALUES ($1, $2, $3, $4, $5, $5, $6, $7)
           ON CONFLICT (project_id, key) DO UPDATE SET issue_number = EXCLUDED.issue_number,
             issue_node_id = COALESCE(EXCLUDED.issue_node_id, tasks.issue_node_id)
           RETURNING id, (xmax = 0) AS inserted`,
          [projectId, key, title, body, hours ?? 0, input.issueNumber, input.issueNodeId ?? null],
        );
        const row = rows[0] as { id: number; inserted?: boolean };
        created = row.inserted !== false;
        task = await mustTask(row.id);
      }
      const unknownDependencies: number[] = [];
      if (input.dependsOnIssues?.length) {
        const deps = await port.tasksByIssues(projectId, input.dependsOnIssues);
        const ids: number[] = [];
        for (const n of input.dependsOnIssues) {
          const d = deps.get(n);
          if (d && d.id !== task.id) ids.push(d.id);
          else if (!d) unknownDependencies.push(n);
        }
        if (ids.length) await port.addDependencies(task.id, ids);
      }
      await changed([task.id]);
      return { task: await mustTask(task.id), created, unknownDependencies };
    },

    async linkIssue(taskId, issueNumber, nodeId) {
      await db.query(
        `UPDATE tasks SET issue_number = $2, issue_node_id = COALESCE($3, issue_node_id)
         WHERE id = $1 AND (issue_number IS DISTINCT FROM $2 OR issue_node_id IS DISTINCT FROM COALESCE($3, issue_node_id))`,
        [taskId, issueNumber, nodeId],
      );
    },

    async linkEpicIssue(projectId, epicKey, issueNumber, nodeId) {
      await db.query(
        `UPDATE epics SET issue_number = $3, issue_node_id = COALESCE($4, issue_node_id), updated_at = now()
         WHERE project_id = $1 AND key = $2 AND (issue_number IS DISTINCT FROM $3 OR issue_node_id IS DISTINCT FROM COALESCE($4, issue_node_id))`,
        [projectId, epicKey, issueNumber, nodeId],
      );
    },

    async linkPullRequest(taskId, prNumber, branch) {
      await db.query(
        `UPDATE tasks SET pr_number = $2, branch = COALESCE($3, branch)
         WHERE id = $1 AND (pr_number IS DISTINCT FROM $2 OR branch IS DISTINCT FROM COALESCE($3, branch))`,
        [taskId, prNumber, branch],
      );
    },

    async recordEvidence(e: EvidenceInput) {
      const { rowCount } = await db.query(
        `INSERT INTO evidence (project_id, task_id, type, ref, url, source, delivery_id, metadata)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
         ON CONFLICT (delivery_id, task_id, type) WHERE delivery_id IS NOT NULL DO NOTHING`,
        [
          e.projectId,
          e.taskId,
          e.type,
          e.ref?.slice(0, 1000) ?? null,
          e.url?.slice(0, 2000) ?? null,
          e.source,
          e.deliveryId ?? null,
          JSON.stringify(e.metadata ?? {}),
        ],
      );
      if (rowCount > 0) engine.onEvidence?.({ taskId: e.taskId, type: e.type, ref: e.ref ?? null, url: e.url ?? null, source: e.source });
      return rowCount > 0;
    },

    async activeInPool(projectId, pool) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM assignments a JOIN tasks t ON t.id = a.task_id
         WHERE a.status = 'active' AND a.pool = $2 AND t.project_id = $1`,
        [projectId, pool],
      );
      return Number(rows[0]?.n ?? 0);
    },

    claimForPool: (pool: PoolSpec, projectId: number) => engine.claimForPool(pool, projectId),

    async recordDispatch(assignmentId, run: RunInfo) {
      await db.query(
        `UPDATE assignments SET workflow_run_id = COALESCE($2, workflow_run_id), runner_name = COALESCE($3, runner_name), updated_at = now()
         WHERE id = $1`,
        [assignmentId, run.workflowRunId ?? null, run.runnerName ?? null],
      );
    },

    async recordRun(taskId, run) {
      // Ties the run to the live assignment: the one already carrying this run id, else the
      // active one that has none yet (the dispatch API did not return run details).
      await db.query(
        `UPDATE assignments SET workflow_run_id = COALESCE(workflow_run_id, $2), runner_name = COALESCE($3, runner_name), updated_at = now()
         WHERE id = (SELECT id FROM assignments WHERE task_id = $1 AND status = 'active'
                       AND (workflow_run_id IS NULL OR workflow_run_id = $2 OR $2 IS NULL) ORDER BY epoch DESC LIMIT 1)`,
        [taskId, run.workflowRunId ?? null, run.runnerName ?? null],
      );
    },

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

    async setHeld(taskId, held) {
      const { rowCount } = await db.query('UPDATE tasks SET held = $2 WHERE id = $1 AND held IS DISTINCT FROM $2', [taskId, held]);
      if (rowCount) await changed([taskId]);
      return { changed: rowCount > 0, task: await mustTask(taskId) };
    },

    async setPriority(taskId, priority) {
      const p = Math.max(0, Math.min(3, Math.trunc(priority)));
      const { rowCount } = await db.query('UPDATE tasks SET priority = $2 WHERE id = $1 AND priority IS DISTINCT FROM $2', [taskId, p]);
      if (rowCount) await changed([taskId]);
      return { changed: rowCount > 0, task: await mustTask(taskId) };
    },

    async setRequiredPool(taskId, pool) {
      const { rowCount } = await db.query('UPDATE tasks SET required_pool = $2 WHERE id = $1 AND required_pool IS DISTINCT FROM $2', [
        taskId,
        pool,
      ]);
      if (rowCount) await changed([taskId]);
      return { changed: rowCount > 0, task: await mustTask(taskId) };
    },

    async setEstimate(taskId, hours) {
      // One estimate moves the level of everything upstream of it (and of epic thresholds): the
      // whole project is recomputed by the one writer of critical_path_hours, in the same transaction.
      const moved = await db.transaction(async (tx) => {
        const owner = await tx.query<{ project_id: number }>('SELECT project_id FROM tasks WHERE id = $1', [taskId]);
        if (!owner.rows[0]) return null;
        const projectId = Number(owner.rows[0].project_id);
        await lockCriticalPaths(tx, projectId);
        const { rowCount } = await tx.query(
          `UPDATE tasks SET estimated_hours = $2 WHERE id = $1 AND estimated_hours IS DISTINCT FROM $2::numeric`,
          [taskId, hours],
        );
        return rowCount ? recomputeCriticalPaths(tx, projectId) : null;
      });
      if (moved) await changed([...new Set([taskId, ...moved])]);
      return { changed: moved !== null, task: await mustTask(taskId) };
    },

    async addDependencies(taskId, dependsOn) {
      const task = await mustTask(taskId);
      let added = 0;
      const refused: string[] = [];
      for (const depId of [...new Set(dependsOn)]) {
        if (depId === taskId) {
          refused.push(`${task.key} cannot depend on itself`);
          continue;
        }
        const dep = await one(db, 't.id = $1 AND t.project_id = $2', [depId, task.projectId]);
        if (!dep) {
          refused.push(`task ${depId} is not in this project`);
          continue;
        }
        // Would the new edge close a cycle? Walk from the prerequisite along depends-on edges.
        const { rows } = await db.query(
          `WITH RECURSIVE r(id) AS (
             SELECT $1::bigint
             UNION SELECT d.depends_on_task_id FROM dependencies d JOIN r ON d.task_id = r.id WHERE d.depends_on_task_id IS NOT NULL
           ) SELECT 1 FROM r WHERE id = $2 LIMIT 1`,
          [depId, taskId],
        );
        if (rows.length) {
          refused.push(`${task.key} → ${dep.key} would make a cycle`);
          continue;
        }
        const res = await db.query(
          `INSERT INTO dependencies (project_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [task.projectId, taskId, depId],
        );
        added += res.rowCount;
      }
      if (added) await changed([taskId]);
      return { added, refused };
    },

    refreshTasks: (taskIds) => changed(taskIds),

    ...(assignToAgent ? { assignToAgent } : {}),

    async findTaskByRun(projectId, runId) {
      const { rows } = await db.query<{ task_id: number; status: string; epoch: number }>(
        `SELECT a.task_id, a.status, a.epoch FROM assignments a JOIN tasks t ON t.id = a.task_id
         WHERE t.project_id = $1 AND a.workflow_run_id = $2 ORDER BY (a.status = 'active') DESC, a.epoch DESC LIMIT 1`,
        [projectId, runId],
      );
      const r = rows[0];
      if (!r) return null;
      const task = await one(db, 't.id = $1', [r.task_id]);
      return task ? { task, active: r.status === 'active', epoch: Number(r.epoch) } : null;
    },

    async status(taskId): Promise<TaskStatusReport | null> {
      const task = await one(db, 't.id = $1', [taskId]);
      if (!task) return null;
      const unmet = await db.query<{ label: string }>(
        `SELECT COALESCE(dt.key, 'epic ' || de.key || CASE WHEN d.threshold_percent < 100 THEN ' at ' || d.threshold_percent::int || '%' ELSE '' END) AS label
         FROM dependencies d
         JOIN tasks t ON t.id = $1 AND (d.task_id = t.id OR (d.epic_id IS NOT NULL AND d.epic_id = t.epic_id))
         LEFT JOIN tasks dt ON dt.id = d.depends_on_task_id
         LEFT JOIN epics de ON de.id = d.depends_on_epic_id
         LEFT JOIN epic_progress ep ON ep.epic_id = d.depends_on_epic_id
         WHERE (dt.id IS NOT NULL AND dt.status NOT IN ('done', 'cancelled'))
            OR (de.id IS NOT NULL AND ep.percent < d.threshold_percent)
         ORDER BY 1`,
        [taskId],
      );
      const a = await db.query<{
        id: number;
        pool: string | null;
        epoch: number;
        lease_expires_at: Date;
        workflow_run_id: number | null;
        runner_name: string | null;
      }>(
        `SELECT id, pool, epoch, lease_expires_at, workflow_run_id, runner_name FROM assignments
         WHERE task_id = $1 AND status = 'active' LIMIT 1`,
        [taskId],
      );
      const ev = await db.query<{ type: string; ref: string | null; url: string | null; created_at: Date }>(
        'SELECT type, ref, url, created_at FROM evidence WHERE task_id = $1 ORDER BY created_at DESC, id DESC LIMIT 5',
        [taskId],
      );
      const ar = a.rows[0];
      return {
        task,
        unmetDependencies: unmet.rows.map((r) => r.label),
        activeAssignment: ar
          ? {
              id: Number(ar.id),
              pool: ar.pool,
              epoch: Number(ar.epoch),
              leaseExpiresAt: ar.lease_expires_at,
              workflowRunId: ar.workflow_run_id === null ? null : Number(ar.workflow_run_id),
              runnerName: ar.runner_name,
            }
          : null,
        recentEvidence: ev.rows.map((r) => ({ type: r.type, ref: r.ref, url: r.url, createdAt: r.created_at })),
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

interface EffectDbRow {
  effect_key: string;
  intent: unknown;
  started_at: Date;
  done_at: Date | null;
  result: unknown;
}

const mapEffect = (r: EffectDbRow): EffectRow => ({ key: r.effect_key, intent: r.intent ?? null, startedAt: r.started_at, done: r.done_at !== null, result: r.result ?? null });

const EFFECT_COLUMNS = 'effect_key, intent, started_at, done_at, result';

/** github_effects (migration 0010): one row per GitHub write of a delivery. */
export function createEffectStore(db: Queryable): EffectStore {
  return {
    async begin(deliveryId, key, intent) {
      const ins = await db.query<EffectDbRow>(
        `INSERT INTO github_effects (delivery_id, effect_key, intent) VALUES ($1, $2, $3::jsonb)
         ON CONFLICT (delivery_id, effect_key) DO NOTHING RETURNING ${EFFECT_COLUMNS}`,
        [deliveryId, key, JSON.stringify(intent ?? null)],
      );
      if (ins.rows[0]) return { row: mapEffect(ins.rows[0]), fresh: true };
      const { rows } = await db.query<EffectDbRow>(`SELECT ${EFFECT_COLUMNS} FROM github_effects WHERE delivery_id = $1 AND effect_key = $2`, [deliveryId, key]);
      return { row: mapEffect(rows[0]!), fresh: false };
    },
    async note(deliveryId, key, intent) {
      try {
        await db.query('UPDATE github_effects SET intent = $3::jsonb WHERE delivery_id = $1 AND effect_key = $2 AND done_at IS NULL', [
          deliveryId,
          key,
          JSON.stringify(intent ?? null),
        ]);
        return true;
      } catch (err) {
        if ((err as { code?: string }).code === '23505') return false; // github_effects_assignment_uniq
        throw err;
      }
    },
    async unrecordedPoolClaim(projectId, pool, since) {
      const { rows } = await db.query<{ id: number; task_id: number; epoch: number }>(
        `SELECT a.id, a.task_id, a.epoch FROM assignments a
           JOIN tasks t ON t.id = a.task_id
           JOIN agents g ON g.id = a.agent_id
         WHERE t.project_id = $1 AND a.pool = $2 AND g.name = 'pool/' || $2 AND a.status = 'active'
           AND a.created_at >= $3 AND a.created_at < $3::timestamptz + interval '30 seconds'
           AND NOT EXISTS (SELECT 1 FROM github_effects e WHERE e.intent->>'assignmentId' = a.id::text)
           AND NOT EXISTS (SELECT 1 FROM evidence v WHERE v.task_id = a.task_id AND v.type = 'dispatch'
                             AND v.delivery_id = 'dispatch:' || a.task_id || ':' || a.epoch)
         ORDER BY a.created_at, a.id LIMIT 1`,
        [projectId, pool, since],
      );
      const r = rows[0];
      return r ? { assignmentId: Number(r.id), taskId: Number(r.task_id), epoch: Number(r.epoch) } : null;
    },
    async finish(deliveryId, key, result) {
      await db.query(
        `INSERT INTO github_effects (delivery_id, effect_key, done_at, result) VALUES ($1, $2, now(), $3::jsonb)
         ON CONFLICT (delivery_id, effect_key) DO UPDATE SET done_at = now(), result = EXCLUDED.result
         WHERE github_effects.done_at IS NULL`,
        [deliveryId, key, JSON.stringify(result ?? null)],
      );
    },
    async list(deliveryId, prefix) {
      const { rows } = await db.query<EffectDbRow>(
        `SELECT ${EFFECT_COLUMNS} FROM github_effects WHERE delivery_id = $1 AND left(effect_key, length($2)) = $2 ORDER BY started_at, effect_key`,
        [deliveryId, prefix],
      );
      return rows.map(mapEffect);
    },
    async prune(before, replyWindowSeconds) {
      const a = await db.query('DELETE FROM github_effects WHERE started_at < $1', [before]);
      const b = await db.query('DELETE FROM github_command_replies WHERE replied_at < now() - make_interval(secs => $1)', [replyWindowSeconds]);
      return a.rowCount + b.rowCount;
    },
    async claimReplySlot(projectId, issueNumber, login, deliveryId, windowSeconds) {
      const { rows } = await db.query<{ delivery_id: string }>(
        `INSERT INTO github_command_replies (project_id, issue_number, login, delivery_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, issue_number, login) DO UPDATE SET delivery_id = EXCLUDED.delivery_id, replied_at = now()
         WHERE github_command_replies.replied_at <= now() - make_interval(secs => $5)
            OR github_command_replies.delivery_id = EXCLUDED.delivery_id
         RETURNING delivery_id`,
        [projectId, issueNumber, login.toLowerCase(), deliveryId, windowSeconds],
      );
      return rows.length > 0;
    },
  };
}
