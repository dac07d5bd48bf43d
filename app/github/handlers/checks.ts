import type { RepoCtx } from '../context.js';
import { mergeQueueEvents } from '../mergeQueue/hooks.js';
import type { WebhookPayload } from './payloads.js';
import { tasksFor } from './tasksFor.js';

/** check_run.completed: only outcomes are evidence. */
export async function onCheckRun(ctx: RepoCtx, p: WebhookPayload<'check_run.completed'>): Promise<void> {
  const cr = p.check_run;
  if (!cr || p.action !== 'completed') return;
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
export async function onCheckSuite(ctx: RepoCtx, p: WebhookPayload<'check_suite.completed'>): Promise<void> {
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

/** merge_group.checks_requested / destroyed: the native merge queue's view of a task's PR. */
export async function onMergeGroup(ctx: RepoCtx, p: WebhookPayload<'merge_group'>): Promise<void> {
  const mg = p.merge_group;
  if (!mg?.head_ref) return;
  const reason = 'reason' in p ? p.reason : undefined;
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
      metadata: { kind: 'merge_group', action: p.action, reason, pr: n, head_ref: mg.head_ref, base_ref: mg.base_ref },
    });
  }
  await mergeQueueEvents(ctx)?.onMergeGroup(ctx, p);
}
