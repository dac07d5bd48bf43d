import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import { dispatchReady, parseRunTitle } from '../dispatch/dispatchReady.js';
import { mergeQueueEvents } from '../mergeQueue/hooks.js';

interface PrRef {
  number?: number;
  head?: { ref?: string; sha?: string };
}

/** Tasks touched by a check or run: through the PRs it lists, else through its head branch. */
async function tasksFor(ctx: RepoCtx, prs: PrRef[] | undefined, headBranch: string | null | undefined): Promise<Task[]> {
  const { port } = ctx.deps;
  const out = new Map<number, Task>();
  for (const pr of (prs ?? []).slice(0, 20)) {
    const t =
      (typeof pr.number === 'number' ? await port.findTaskByPr(ctx.project.id, pr.number) : null) ??
      (pr.head?.ref ? await port.findTaskByBranch(ctx.project.id, pr.head.ref) : null);
    if (t) out.set(t.id, t);
  }
  if (!out.size && headBranch) {
    const t = await port.findTaskByBranch(ctx.project.id, headBranch);
    if (t) out.set(t.id, t);
  }
  return [...out.values()];
}

/** check_run.completed (and created/rerequested: recorded too) */
export async function onCheckRun(ctx: RepoCtx, payload: unknown): Promise<void> {
  const p = payload as {
    action?: string;
    check_run?: {
      name?: string;
      status?: string;
      conclusion?: string | null;
      head_sha?: string;
      html_url?: string;
      pull_requests?: PrRef[];
      check_suite?: { head_branch?: string | null };
      app?: { slug?: string };
    };
  };
  const cr = p.check_run;
  if (!cr) return;
  if (p.action !== 'completed') return; // only outcomes are evidence
  for (const task of await tasksFor(ctx, cr.pull_requests, cr.check_suite?.head_branch)) {
    await ctx.deps.port.recordEvidence({
      projectId: ctx.project.id,
      taskId: task.id,
      type: 'check',
      ref: cr.head_sha ?? null,
      url: cr.html_url ?? null,
      source: 'webhook',
      deliveryId: ctx.deliveryId,
      metadata: { kind: 'check_run', name: cr.name, status: cr.status, conclusion: cr.conclusion, app: cr.app?.slug },
    });
  }
  await mergeQueueEvents(ctx)?.onChecks(ctx, cr.head_sha, Array.isArray(cr.pull_requests) ? cr.pull_requests.map((x) => x?.number) : []);
}

/** check_suite.completed */
export async function onCheckSuite(ctx: RepoCtx, payload: unknown): Promise<void> {
  const p = payload as {
    action?: string;
    check_suite?: { head_branch?: string | null; head_sha?: string; status?: string; conclusion?: string | null; url?: string; pull_requests?: PrRef[]; app?: { slug?: string } };
  };
  const cs = p.check_suite;
  if (!cs || p.action !== 'completed') return;
  for (const task of await tasksFor(ctx, cs.pull_requests, cs.head_branch)) {
    await ctx.deps.port.recordEvidence({
      projectId: ctx.project.id,
      taskId: task.id,
      type: 'check',
      ref: cs.head_sha ?? null,
      url: null,
      source: 'webhook',
      deliveryId: ctx.deliveryId,
      metadata: { kind: 'check_suite', status: cs.status, conclusion: cs.conclusion, app: cs.app?.slug },
    });
  }
  await mergeQueueEvents(ctx)?.onChecks(ctx, cs.head_sha, Array.isArray(cs.pull_requests) ? cs.pull_requests.map((x) => x?.number) : []);
}

const FAILED = new Set(['failure', 'cancelled', 'timed_out', 'startup_failure']);

export { parseRunTitle } from '../dispatch/dispatchReady.js';

/**
 * The agent run a workflow_run / workflow_job belongs to: by recorded run id, else by its name
 * (run name or job name). A run matched by name is tied to the task's live assignment when its
 * epoch is the current one and that assignment carries no other run; only then is it `current`,
 * i.e. allowed to move or release the task.
 */
async function agentTask(ctx: RepoCtx, runId: number | undefined, title: unknown): Promise<{ task: Task; current: boolean } | null> {
  const { port } = ctx.deps;
  if (typeof runId === 'number') {
    const hit = await port.findTaskByRun(ctx.project.id, runId);
    if (hit) return { task: hit.task, current: hit.active && hit.epoch === hit.task.leaseEpoch };
  }
  const parsed = parseRunTitle(title);
  if (!parsed) return null;
  const task = await port.findTaskByKey(ctx.project.id, parsed.key);
  if (!task) return null;
  let current = (parsed.epoch === null || parsed.epoch === task.leaseEpoch) && (task.status === 'assigned' || task.status === 'in_progress');
  if (current && typeof runId === 'number') {
    await port.recordRun(task.id, { workflowRunId: runId });
    // Another run with the same name (a manual dispatch, a copy) finds the assignment taken.
    const tied = await port.findTaskByRun(ctx.project.id, runId);
    current = !!tied && tied.task.id === task.id && tied.active && tied.epoch === task.leaseEpoch;
  }
  return { task, current };
}

/** workflow_run.requested / in_progress / completed */
export async function onWorkflowRun(ctx: RepoCtx, payload: unknown): Promise<void> {
  const p = payload as {
    action?: string;
    workflow_run?: {
      id?: number;
      name?: string;
      display_title?: string;
      status?: string;
      conclusion?: string | null;
      head_branch?: string | null;
      head_sha?: string;
      html_url?: string;
      event?: string;
      run_attempt?: number;
      pull_requests?: PrRef[];
    };
  };
  const run = p.workflow_run;
  if (!run) return;
  const { port } = ctx.deps;
  const agent = await agentTask(ctx, run.id, run.display_title);
  const tasks = agent ? [agent.task] : await tasksFor(ctx, run.pull_requests, run.head_branch);
  for (const task of tasks) {
    await port.recordEvidence({
      projectId: ctx.project.id,
      taskId: task.id,
      type: 'workflow_run',
      ref: run.head_sha ?? null,
      url: run.html_url ?? null,
      source: 'webhook',
      deliveryId: ctx.deliveryId,
      metadata: { kind: 'workflow_run', action: p.action, run_id: run.id, name: run.name, status: run.status, conclusion: run.conclusion, agent_run: !!agent, attempt: run.run_attempt },
    });
  }
  if (!agent?.current) return;
  if (p.action === 'in_progress') await port.markInProgress(agent.task.id);
  if (p.action === 'completed' && run.conclusion && FAILED.has(run.conclusion)) {
    const r = await port.release(agent.task.id, `workflow run ${run.id} ended ${run.conclusion}`, { countAttempt: true });
    if (r.changed) await dispatchReady(ctx);
  }
}

/** workflow_job.queued / in_progress / completed: ties the runner to the task. */
export async function onWorkflowJob(ctx: RepoCtx, payload: unknown): Promise<void> {
  const p = payload as {
    action?: string;
    workflow_job?: {
      id?: number;
      run_id?: number;
      name?: string;
      workflow_name?: string;
      status?: string;
      conclusion?: string | null;
      runner_name?: string | null;
      labels?: string[];
      head_sha?: string;
      html_url?: string;
      head_branch?: string | null;
    };
  };
  const job = p.workflow_job;
  if (!job) return;
  const { port } = ctx.deps;
  // workflow_job carries no run name; the agent workflow gives its job the same `fleet task=… epoch=…` name.
  const agent = await agentTask(ctx, job.run_id, job.name);
  if (!agent) return; // CI jobs are recorded through workflow_run and check events
  await port.recordEvidence({
    projectId: ctx.project.id,
    taskId: agent.task.id,
    type: 'workflow_run',
    ref: job.head_sha ?? null,
    url: job.html_url ?? null,
    source: 'webhook',
    deliveryId: ctx.deliveryId,
    metadata: { kind: 'workflow_job', action: p.action, job_id: job.id, run_id: job.run_id, name: job.name, runner: job.runner_name, labels: job.labels, status: job.status, conclusion: job.conclusion },
  });
  if (!agent.current) return;
  if (job.runner_name) await port.recordRun(agent.task.id, { workflowRunId: job.run_id, runnerName: job.runner_name });
  if (p.action === 'in_progress') await port.markInProgress(agent.task.id);
  if (p.action === 'completed' && job.conclusion && FAILED.has(job.conclusion)) {
    const r = await port.release(agent.task.id, `job ${job.name ?? job.id} on ${job.runner_name ?? 'a runner'} ended ${job.conclusion}`, { countAttempt: true });
    if (r.changed) await dispatchReady(ctx);
  }
}

/** merge_group.checks_requested / destroyed: the native merge queue's view of a task's PR. */
export async function onMergeGroup(ctx: RepoCtx, payload: unknown): Promise<void> {
  const p = payload as { action?: string; reason?: string; merge_group?: { head_ref?: string; head_sha?: string; base_ref?: string } };
  const mg = p.merge_group;
  if (!mg?.head_ref) return;
  // gh-readonly-queue/<base>/pr-<number>-<sha>
  const prs = [...mg.head_ref.matchAll(/pr-(\d{1,9})-/g)].map((m) => Number(m[1]));
  for (const n of prs) {
    const task = await ctx.deps.port.findTaskByPr(ctx.project.id, n);
    if (!task) continue;
    await ctx.deps.port.recordEvidence({
      projectId: ctx.project.id,
      taskId: task.id,
      type: 'merge',
      ref: mg.head_sha ?? null,
      url: null,
      source: 'webhook',
      deliveryId: ctx.deliveryId,
      metadata: { kind: 'merge_group', action: p.action, reason: p.reason, pr: n, head_ref: mg.head_ref, base_ref: mg.base_ref },
    });
  }
  await mergeQueueEvents(ctx)?.onMergeGroup(ctx, payload);
}
