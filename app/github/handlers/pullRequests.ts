import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import type { WebhookPayload } from './payloads.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { readMarker } from '../planSync/index.js';
import { mergeQueueEvents } from '../mergeQueue/hooks.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { mayGiveFeedback, reviewRequestedChanges } from './reviewFeedback.js';
import { recordWebhookEvidence } from './webhookEvidence.js';
import { describeError } from '../../core/describeError.js';

/** Issue numbers a PR body closes: "Closes #12", "fixes #3", "Resolves: #4". */
export function closingIssues(body: unknown): number[] {
  if (typeof body !== 'string') return [];
  const out: number[] = [];
  for (const m of body.slice(0, 65_536).matchAll(/\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d{1,9})\b/gi)) out.push(Number(m[1]));
  return [...new Set(out)];
}

interface PrLike {
  number?: number;
  body?: string | null;
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
  base?: { ref?: string; repo?: { full_name?: string } | null };
  html_url?: string;
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  draft?: boolean;
  state?: string;
  title?: string;
}

/** The task a PR works on: by the marker, by branch `fleet/<key>-...`, by PR number, or by "Closes #N". */
export async function taskForPr(ctx: RepoCtx, pr: PrLike): Promise<Task | null> {
  const { port } = ctx.deps;
  const pid = ctx.project.id;
  const marker = readMarker(pr.body);
  if (marker?.kind === 'task') {
    const t = await port.findTaskByKey(pid, marker.key);
    if (t) return t;
  }
  if (pr.head?.ref) {
    const t = await port.findTaskByBranch(pid, pr.head.ref);
    if (t) return t;
  }
  if (typeof pr.number === 'number') {
    const t = await port.findTaskByPr(pid, pr.number);
    if (t) return t;
  }
  for (const n of closingIssues(pr.body)) {
    const t = await port.findTaskByIssue(pid, n);
    if (t) return t;
  }
  return null;
}

/** pull_request.opened / reopened / ready_for_review / synchronize / edited / closed */
type PrEvents = 'pull_request.opened' | 'pull_request.reopened' | 'pull_request.ready_for_review' | 'pull_request.synchronize' | 'pull_request.closed';

export async function onPullRequest(ctx: RepoCtx, payload: WebhookPayload<PrEvents>): Promise<void> {
  const p: { action?: string; pull_request?: PrLike } = payload;
  const pr = p.pull_request;
  if (!pr || typeof pr.number !== 'number') return;
  const task = await taskForPr(ctx, pr);
  if (!task) return;
  const { port } = ctx.deps;
  const sameRepo = !pr.head?.repo || pr.head.repo.full_name === pr.base?.repo?.full_name;
  if (p.action !== 'closed' || pr.merged) await port.linkPullRequest(task.id, pr.number, sameRepo ? (pr.head?.ref ?? null) : null);
  const merged = p.action === 'closed' && (pr.merged === true || !!pr.merged_at);
  await recordWebhookEvidence(ctx, task.id, merged ? 'merge' : 'pr', { ref: merged ? (pr.merge_commit_sha ?? pr.head?.sha ?? null) : (pr.head?.sha ?? null), url: pr.html_url ?? null, metadata: { action: p.action, number: pr.number, branch: pr.head?.ref ?? null, draft: !!pr.draft, merged } });
  if (p.action === 'opened' || p.action === 'synchronize' || p.action === 'reopened') await recordPrFiles(ctx, task.id, pr.number);
  const feedback = port.feedback;
  switch (p.action) {
    case 'opened':
    case 'reopened':
    case 'ready_for_review':
      if (!pr.draft) await port.markInReview(task.id);
      await feedback?.setPrState(task.id, 'open');
      break;
    case 'synchronize':
      // New commits (a round's push): what failed or conflicted is to be seen again.
      if (task.prNumber === pr.number) await feedback?.setPrState(task.id, 'open');
      break;
    case 'closed':
      if (merged) {
        await feedback?.setPrState(task.id, 'merged');
        await port.markDone(task.id, `PR #${pr.number} merged`);
        await dispatchReady(ctx);
      } else if (task.status === 'in_review' && task.prNumber === pr.number) {
        // The work was abandoned: the task goes back to the queue for another attempt, on a new branch.
        await feedback?.forgetPr(task.id);
        await port.reopen(task.id, `PR #${pr.number} closed without merging`);
        await dispatchReady(ctx);
      }
      break;
    default:
      break;
  }
  await mergeQueueEvents(ctx)?.onPullRequest(ctx, p.action, pr);
}

/**
 * The files the PR changes join the task's footprint, so the scheduler and the merge queue see what
 * the agent really touched (issue 14). Best effort: without them the plan's globs still hold.
 */
async function recordPrFiles(ctx: RepoCtx, taskId: number, prNumber: number): Promise<void> {
  try {
    await ctx.deps.port.setPrFiles(taskId, await gatewayOf(ctx).listPullRequestFiles(prNumber));
  } catch (err) {
    ctx.log.warn({ err: describeError(err), pr: prNumber }, 'could not list the pull request files: the footprint keeps the plan globs');
  }
}

/** pull_request_review.submitted / dismissed */
export async function onReview(ctx: RepoCtx, payload: WebhookPayload<'pull_request_review.submitted' | 'pull_request_review.dismissed'>): Promise<void> {
  const p: {
    action?: string;
    review?: { id?: number; state?: string; body?: string | null; html_url?: string; author_association?: string; commit_id?: string; user?: { login?: string; type?: string; id?: number } | null };
    pull_request?: PrLike;
    sender?: { login?: string; type?: string; id?: number } | null;
  } = payload;
  if (!p.pull_request || !p.review) return;
  const task = await taskForPr(ctx, p.pull_request);
  if (!task) return;
  await recordWebhookEvidence(ctx, task.id, 'review', { ref: p.review.commit_id ?? null, url: p.review.html_url ?? null, metadata: { action: p.action, state: p.review.state, reviewer: p.review.user?.login, pr: p.pull_request.number } });
  const state = p.review.state?.toLowerCase();
  const prNumber = p.pull_request.number;
  if (p.action === 'submitted' && typeof prNumber === 'number' && task.prNumber === prNumber) {
    // An approval shows on the dashboard when it comes from someone GitHub counts as part of the
    // repository (no API call); whether it is enough to merge is the merge queue's business.
    if (state === 'approved' && ['OWNER', 'MEMBER', 'COLLABORATOR'].includes(p.review.author_association ?? '')) {
      await ctx.deps.port.feedback?.setPrState(task.id, 'approved');
    }
    // Only a writer's changes-requested review is feedback (bots, this App included, never are).
    if (state === 'changes_requested' && typeof p.review.id === 'number' && ctx.config.feedback.onChangesRequested && (await mayGiveFeedback(ctx, p.review.user, p.sender))) {
      await reviewRequestedChanges(ctx, task, prNumber, { id: p.review.id, body: p.review.body ?? null, url: p.review.html_url ?? null, author: p.review.user!.login! });
    }
  }
  await mergeQueueEvents(ctx)?.onReview(ctx, p.pull_request, p.action === 'dismissed' ? { state: 'dismissed' } : p.review);
}
