import type { Task } from '../../engine/types.js';
import { checkConclusion } from '../../core/mergeOrder.js';
import type { RepoCtx } from '../context.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { parseRunTitle } from '../dispatch/runTitle.js';
import type { WebhookPayload } from './payloads.js';
import { tasksFor } from './tasksFor.js';
import { recordWebhookEvidence } from './webhookEvidence.js';

/** A run or job ended badly, by the one check-conclusion table (app/core/mergeOrder.ts). */
const failed = (conclusion: string | null | undefined) => !!conclusion && checkConclusion(conclusion) === 'failure';

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

type RunEvents = 'workflow_run.requested' | 'workflow_run.in_progress' | 'workflow_run.completed';
type JobEvents = 'workflow_job.queued' | 'workflow_job.in_progress' | 'workflow_job.completed';

/** workflow_run.requested / in_progress / completed */
export async function onWorkflowRun(ctx: RepoCtx, p: WebhookPayload<RunEvents>): Promise<void> {
  const run = p.workflow_run;
  if (!run) return;
  const { port } = ctx.deps;
  const agent = await agentTask(ctx, run.id, 'display_title' in run ? run.display_title : undefined);
  const tasks = agent ? [agent.task] : await tasksFor(ctx, run.pull_requests, run.head_branch);
  for (const task of tasks) {
    await recordWebhookEvidence(ctx, task.id, 'workflow_run', { ref: run.head_sha ?? null, url: run.html_url ?? null, metadata: { kind: 'workflow_run', action: p.action, run_id: run.id, name: run.name, status: run.status, conclusion: run.conclusion, agent_run: !!agent, attempt: run.run_attempt } });
  }
  if (!agent?.current) return;
  if (p.action === 'in_progress') await port.markInProgress(agent.task.id);
  if (p.action === 'completed' && failed(run.conclusion)) {
    const r = await port.release(agent.task.id, `workflow run ${run.id} ended ${run.conclusion}`, { countAttempt: true });
    if (r.changed) await dispatchReady(ctx);
  }
}

/** workflow_job.queued / in_progress / completed: ties the runner to the task. */
export async function onWorkflowJob(ctx: RepoCtx, p: WebhookPayload<JobEvents>): Promise<void> {
  const job = p.workflow_job;
  if (!job) return;
  const { port } = ctx.deps;
  // workflow_job carries no run name; the agent workflow gives its job the same `fleet task=… epoch=…` name.
  const agent = await agentTask(ctx, job.run_id, job.name);
  if (!agent) return; // CI jobs are recorded through workflow_run and check events
  await recordWebhookEvidence(ctx, agent.task.id, 'workflow_run', { ref: job.head_sha ?? null, url: job.html_url ?? null, metadata: { kind: 'workflow_job', action: p.action, job_id: job.id, run_id: job.run_id, name: job.name, runner: job.runner_name, labels: job.labels, status: job.status, conclusion: job.conclusion } });
  if (!agent.current) return;
  if (job.runner_name) await port.recordRun(agent.task.id, { workflowRunId: job.run_id, runnerName: job.runner_name });
  if (p.action === 'in_progress') await port.markInProgress(agent.task.id);
  if (p.action === 'completed' && failed(job.conclusion)) {
    const r = await port.release(agent.task.id, `job ${job.name ?? job.id} on ${job.runner_name ?? 'a runner'} ended ${job.conclusion}`, { countAttempt: true });
    if (r.changed) await dispatchReady(ctx);
  }
}
