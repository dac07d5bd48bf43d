import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import { mergeQueueEvents } from '../mergeQueue/hooks.js';
import type { WebhookPayload } from './payloads.js';
import { tasksFor } from './tasksFor.js';
import { checkRunsFailed, statusFailed } from './checksFeedback.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { recordWebhookEvidence } from './webhookEvidence.js';

/** The base branch a check's pull requests go into (the first that says). */
const baseOf = (prs: unknown): string | null =>
  Array.isArray(prs) ? ((prs as ({ base?: { ref?: string } } | null)[]).find((x) => typeof x?.base?.ref === 'string')?.base?.ref ?? null) : null;

/** check_run.completed: only outcomes are evidence. */
export async function onCheckRun(ctx: RepoCtx, p: WebhookPayload<'check_run.completed'>): Promise<void> {
  const cr = p.check_run;
  if (!cr || p.action !== 'completed') return;
  const tasks = await tasksFor(ctx, cr.pull_requests, cr.check_suite?.head_branch);
  for (const task of tasks) {
    await recordWebhookEvidence(ctx, task.id, 'check', { ref: cr.head_sha ?? null, url: cr.html_url ?? null, metadata: { kind: 'check_run', name: cr.name, status: cr.status, conclusion: cr.conclusion, app: cr.app?.slug } });
  }
  const run = { id: cr.id, name: cr.name, conclusion: cr.conclusion ?? null, headSha: cr.head_sha ?? null, url: cr.html_url ?? cr.details_url ?? null, title: cr.output?.title ?? null, summary: cr.output?.summary ?? null };
  await checkRunsFailed(ctx, tasks, [run], baseOf(cr.pull_requests));
  await mergeQueueEvents(ctx)?.onChecks(ctx, cr.head_sha, Array.isArray(cr.pull_requests) ? cr.pull_requests.map((x) => x?.number) : []);
}

/** check_suite.completed */
export async function onCheckSuite(ctx: RepoCtx, p: WebhookPayload<'check_suite.completed'>): Promise<void> {
  const cs = p.check_suite;
  if (!cs || p.action !== 'completed') return;
  const tasks = await tasksFor(ctx, cs.pull_requests, cs.head_branch);
  for (const task of tasks) {
    await recordWebhookEvidence(ctx, task.id, 'check', { ref: cs.head_sha ?? null, url: null, metadata: { kind: 'check_suite', status: cs.status, conclusion: cs.conclusion, app: cs.app?.slug } });
  }
  // The suite's failed runs, read through the checks API (its own check_run events may not come).
  if ((cs.conclusion === 'failure' || cs.conclusion === 'timed_out') && tasks.some((t) => t.prNumber !== null) && ctx.config.feedback.onChecksFailed) {
    await checkRunsFailed(ctx, tasks, await gatewayOf(ctx).checkRunsOfSuite(cs.id), baseOf(cs.pull_requests));
  }
  await mergeQueueEvents(ctx)?.onChecks(ctx, cs.head_sha, Array.isArray(cs.pull_requests) ? cs.pull_requests.map((x) => x?.number) : []);
}

/** status: a failing commit status on a task branch is feedback like a failed check. */
export async function onStatus(ctx: RepoCtx, p: WebhookPayload<'status'>): Promise<void> {
  if (p.state !== 'failure' && p.state !== 'error') return;
  const tasks: Task[] = [];
  for (const b of (p.branches ?? []).slice(0, 20)) {
    const t = await ctx.deps.port.findTaskByBranch(ctx.project.id, b.name);
    if (t && !tasks.some((x) => x.id === t.id)) tasks.push(t);
  }
  if (!tasks.length) return;
  await statusFailed(ctx, tasks, { id: p.id, context: p.context, state: p.state, description: p.description ?? null, targetUrl: p.target_url ?? null }, null);
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
    await recordWebhookEvidence(ctx, task.id, 'merge', { ref: mg.head_sha ?? null, url: null, metadata: { kind: 'merge_group', action: p.action, reason, pr: n, head_ref: mg.head_ref, base_ref: mg.base_ref } });
  }
  await mergeQueueEvents(ctx)?.onMergeGroup(ctx, p);
}
