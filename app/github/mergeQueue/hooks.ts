import type { Db } from '../../store/db.js';
import type { MergeQueueHooks, RepoCtx } from '../context.js';
import type { WebhookPayload } from '../handlers/payloads.js';
import { errorText } from '../types.js';
import { refusalText, type PrState } from './prState.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { QueueCommentFailed, resumeQueueComments } from './comments.js';
import { MergeQueueRunner, snapshotOf, type Known, type RunnerOptions } from './runner.js';
import { MergeQueueStore, type MergeQueueEntry } from './store.js';
import { reviewsAllowMerge } from '../../core/mergeOrder.js';

/**
 * The merge queue as the GitHub app sees it: `MergeQueueHooks` for `/fleet merge` and
 * `/fleet dequeue` (app/github/commands/handler.ts), and the events the handlers forward
 * (`mergeQueueEvents(ctx)?.onReview(...)` etc.) so an approved and green PR enters by itself.
 * Mode per repository: `.github/fleet.yml` `merge.useNativeQueue`.
 */

interface PrPayload {
  number?: number;
  merged?: boolean | null;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head?: { ref?: string; sha?: string };
  base?: { ref?: string };
}

export interface MergeQueueEvents {
  /** pull_request_review.submitted / dismissed (after the review is recorded). */
  onReview(ctx: RepoCtx, pr: PrPayload, review?: { state?: string } | undefined): Promise<void>;
  /** check_run / check_suite completed for `headSha` (the PRs the payload lists, when it does). */
  onChecks(ctx: RepoCtx, headSha: string | null | undefined, prNumbers?: readonly (number | undefined)[]): Promise<void>;
  /** pull_request.synchronize / closed (after the handler's own work). */
  onPullRequest(ctx: RepoCtx, action: string | undefined, pr: PrPayload): Promise<void>;
  /** merge_group.checks_requested / destroyed (after the handler recorded the evidence). */
  onMergeGroup(ctx: RepoCtx, payload: WebhookPayload<'merge_group'>): Promise<void>;
}

export interface MergeQueueService extends MergeQueueHooks {
  readonly events: MergeQueueEvents;
  readonly runner: MergeQueueRunner;
  readonly store: MergeQueueStore;
}

/** The merge queue for `deps.mergeQueue`. */
export function createMergeQueue(db: Db, opts: RunnerOptions = {}): MergeQueueService {
  const store = new MergeQueueStore(db);
  const runner = new MergeQueueRunner(store, opts);
  return new FleetMergeQueue(store, runner);
}

/** The events of the configured merge queue, or null when none is configured (nothing to do). */
export function mergeQueueEvents(ctx: RepoCtx): MergeQueueEvents | null {
  const mq = ctx.deps.mergeQueue as Partial<MergeQueueService> | undefined;
  return mq && typeof mq.events === 'object' && mq.events ? mq.events : null;
}

/** Approved and green enough to enter by itself: the merge queue's one eligibility rule. */
const eligible = (ctx: RepoCtx, pr: PrState) =>
  reviewsAllowMerge({ approved: pr.approvals, required: ctx.config.merge.requiredApprovals, changesRequested: pr.changesRequestedBy.length, checks: pr.checks });

class FleetMergeQueue implements MergeQueueService {
  readonly events: MergeQueueEvents;

  constructor(
    readonly store: MergeQueueStore,
    readonly runner: MergeQueueRunner,
  ) {
    this.events = {
      onReview: (ctx, pr, review) => this.guard(ctx, 'review', () => this.onReview(ctx, pr, review)),
      onChecks: (ctx, sha, prs) => this.guard(ctx, 'checks', () => this.onChecks(ctx, sha, prs)),
      onPullRequest: (ctx, action, pr) => this.guard(ctx, 'pull_request', () => this.onPullRequest(ctx, action, pr)),
      onMergeGroup: (ctx, payload) => this.guard(ctx, 'merge_group', () => this.onMergeGroup(ctx, payload)),
    };
  }

  /**
   * Merge queue trouble never undoes what the handler already recorded; it is logged. The one
   * exception is a comment GitHub may not have taken (5xx, no answer): the delivery fails so that
   * its retry, which finds the queue already moved on, still finishes the comment (once).
   */
  private async guard(ctx: RepoCtx, what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
      await resumeQueueComments(ctx);
    } catch (err) {
      if (err instanceof QueueCommentFailed) throw err;
      ctx.log.warn({ event: what, err: errorText(err) }, 'merge queue: event not processed');
    }
  }

  // ---- /fleet merge, /fleet dequeue ----

  async enqueue(ctx: RepoCtx, taskId: number, prNumber: number): Promise<string> {
    const known: Known = new Map();
    const r = await this.consider(ctx, taskId, prNumber, { auto: false, known });
    if (r.text) return r.text;
    return this.describe(ctx, r.entryId!);
  }

  async dequeue(ctx: RepoCtx, _taskId: number, prNumber: number): Promise<string> {
    const live = await this.store.live(ctx.project.id, prNumber);
    const native = live ? live.mode === 'native' : ctx.config.merge.useNativeQueue;
    if (native) {
      const pr = await this.runner.prState(ctx, prNumber, new Map());
      let inGitHub = false;
      if (pr?.inNativeQueue) {
        try {
          await gatewayOf(ctx).dequeueFromMergeQueue(pr.nodeId);
          inGitHub = true;
        } catch (err) {
          return `#${prNumber} could not be taken out of GitHub's merge queue (${refusalText(err)}).`;
        }
      }
      if (live) await this.store.move(live.id, [live.state], 'removed', { reason: 'dequeued with /fleet dequeue' });
      if (!live && !inGitHub) return `#${prNumber} is not in the merge queue.`;
      if (live) await this.runner.advance(ctx, live.baseBranch);
      return `Removed #${prNumber} from ${inGitHub ? "GitHub's merge queue" : 'the merge queue'}; it stays out until \`/fleet merge\`.`;
    }
    if (!live) return `#${prNumber} is not in the merge queue.`;
    if (live.state === 'merging' && Date.now() - live.updatedAt.getTime() < 10 * 60_000) {
      return `#${prNumber} is being merged right now; it can no longer be taken out.`;
    }
    if (!(await this.store.move(live.id, [live.state], 'removed', { reason: 'dequeued with /fleet dequeue' }))) {
      return `#${prNumber} changed state while being taken out; look again with \`/fleet status\`.`;
    }
    await this.runner.advance(ctx, live.baseBranch);
    return `Removed #${prNumber} from the merge queue for \`${live.baseBranch}\`; it stays out until \`/fleet merge\`.`;
  }

  /**
   * Puts a PR in the queue: by hand (always, it then waits for what it lacks) or automatically
   * (only a task in review whose PR is approved and green, and not one a person took out or
   * one whose same commit already failed). Then moves that base branch's queue.
   */
  private async consider(
    ctx: RepoCtx,
    taskId: number,
    prNumber: number,
    o: { auto: boolean; known: Known },
  ): Promise<{ text?: string; entryId?: number }> {
    const { port } = ctx.deps;
    const task = await port.findTaskById(taskId);
    if (!task) return { text: 'the task no longer exists' };
    const live = await this.store.live(ctx.project.id, prNumber);
    if (live) {
      await this.runner.advance(ctx, live.baseBranch, o.known);
      return { entryId: live.id };
    }
    if (task.status !== 'in_review') {
      return { text: o.auto ? '' : `task ${task.key} is ${task.status}; only a task in review enters the merge queue.` };
    }
    const pr = await this.runner.prState(ctx, prNumber, o.known);
    if (!pr) return { text: `#${prNumber} was not found.` };
    if (pr.merged) return { text: `#${prNumber} is already merged.` };
    if (!pr.open) return { text: `#${prNumber} is closed.` };
    if (pr.draft) return { text: `#${prNumber} is a draft; mark it ready for review first.` };
    if (o.auto) {
      if (!eligible(ctx, pr)) return { text: '' };
      const last = await this.store.latest(ctx.project.id, prNumber);
      if (last?.state === 'removed' && last.reason?.includes('/fleet dequeue')) return { text: '' };
      if (last?.state === 'failed' && last.headSha === pr.headSha) return { text: '' };
    }
    const entry = await this.store.insert({
      projectId: ctx.project.id,
      baseBranch: pr.baseRef,
      taskId,
      prNumber,
      mode: ctx.config.merge.useNativeQueue ? 'native' : 'app',
      enqueuedBy: o.auto ? 'auto' : 'command',
      snapshot: snapshotOf(pr),
    });
    const id = entry?.id ?? (await this.store.live(ctx.project.id, prNumber))?.id;
    if (id === undefined) return { text: `#${prNumber} could not be queued; try again.` };
    ctx.log.info({ pr: prNumber, task: task.key, auto: o.auto, mode: entry?.mode }, 'merge queue: pull request queued');
    await this.runner.advance(ctx, pr.baseRef, o.known);
    return { entryId: id };
  }

  private async describe(ctx: RepoCtx, entryId: number): Promise<string> {
    const e = await this.store.byId(entryId);
    if (!e) return 'the merge queue entry is gone';
    const n = `#${e.prNumber}`;
    switch (e.state) {
      case 'merged':
        return `Merged ${n} into \`${e.baseBranch}\`${e.mergeSha ? ` (${e.mergeSha.slice(0, 7)})` : ''}.`;
      case 'failed':
        return `${n} could not be merged: ${e.reason ?? 'no reason recorded'}.`;
      case 'removed':
        return `${n} left the merge queue: ${e.reason ?? 'no reason recorded'}.`;
      case 'merging':
        return e.mode === 'native' ? `${n} is ${e.waitingFor ?? "in GitHub's merge queue"}.` : `${n} is being merged into \`${e.baseBranch}\`.`;
      case 'updating':
      case 'waiting_checks':
        return `${n} is next to merge into \`${e.baseBranch}\`: ${e.waitingFor ?? 'waiting for checks'}.`;
      case 'queued': {
        const total = (await this.store.liveOnBase(ctx.project.id, e.baseBranch)).length;
        const where = e.mode === 'native' ? "before it enters GitHub's merge queue" : '';
        return `${n} is in the merge queue for \`${e.baseBranch}\` at position ${e.position ?? '?'} of ${total}; ${e.waitingFor ?? 'next to merge'}${where ? ` ${where}` : ''}.`;
      }
    }
  }

  // ---- events ----

  private async onReview(ctx: RepoCtx, pr: PrPayload, review?: { state?: string }): Promise<void> {
    if (typeof pr.number !== 'number') return;
    const state = (review?.state ?? '').toLowerCase();
    const live = await this.store.live(ctx.project.id, pr.number);
    const known: Known = new Map();
    if (live) {
      await this.runner.refresh(ctx, live, known);
      await this.runner.advance(ctx, live.baseBranch, known);
      return;
    }
    // Only an approval or a dismissed review can make a PR eligible.
    if (state !== 'approved' && state !== 'dismissed') return;
    const task = await this.taskOf(ctx, pr);
    if (task) await this.consider(ctx, task, pr.number, { auto: true, known });
  }

  private async onChecks(ctx: RepoCtx, headSha: string | null | undefined, prNumbers: readonly (number | undefined)[] = []): Promise<void> {
    const numbers = [...new Set(prNumbers.filter((n): n is number => typeof n === 'number'))].slice(0, 20);
    if (!headSha && !numbers.length) return;
    const known: Known = new Map();
    const live = await this.store.liveFor(ctx.project.id, headSha ?? null, numbers);
    for (const e of live) await this.runner.refresh(ctx, e, known);
    for (const base of new Set(live.map((e) => e.baseBranch))) await this.runner.advance(ctx, base, known);
    const queued = new Set(live.map((e) => e.prNumber));
    for (const n of numbers) {
      if (queued.has(n)) continue;
      const task = await ctx.deps.port.findTaskByPr(ctx.project.id, n);
      if (task?.status === 'in_review') await this.consider(ctx, task.id, n, { auto: true, known });
    }
  }

  private async onPullRequest(ctx: RepoCtx, action: string | undefined, pr: PrPayload): Promise<void> {
    if (typeof pr.number !== 'number') return;
    const live = await this.store.live(ctx.project.id, pr.number);
    const known: Known = new Map();
    if (action === 'synchronize' && live && pr.head?.sha && pr.head.sha !== live.headSha) {
      if (live.mode === 'app' && (live.state === 'updating' || live.state === 'waiting_checks')) {
        // Our update-branch push (or another push) landed: the head waits for its checks.
        await this.store.move(live.id, [live.state], 'waiting_checks', { headSha: pr.head.sha, waitingFor: `checks on ${pr.head.sha.slice(0, 7)}` });
        await this.runner.advance(ctx, live.baseBranch, known);
      } else if (live.state === 'queued') {
        await this.store.snapshot(live.id, { headSha: pr.head.sha, prNodeId: live.prNodeId ?? '', approvals: live.approvals, changesRequested: live.changesRequested, checks: 'pending' });
      }
      return;
    }
    if (action !== 'closed') return;
    const merged = pr.merged === true || !!pr.merged_at;
    if (live) {
      if (merged) await this.runner.merged(ctx, live, { sha: pr.merge_commit_sha ?? null, byUs: false });
      else await this.runner.remove(live, 'the pull request was closed without merging');
    }
    // Dependents of a PR merged outside the queue may be free to go now.
    const base = live?.baseBranch ?? pr.base?.ref;
    if (base) await this.runner.advance(ctx, base, known);
  }

  private async onMergeGroup(ctx: RepoCtx, payload: WebhookPayload<'merge_group'>): Promise<void> {
    const p: { action?: string; reason?: string; merge_group?: { head_ref?: string; head_sha?: string; base_ref?: string } } = payload;
    const mg = p.merge_group;
    if (!mg?.head_ref) return;
    const numbers = [...mg.head_ref.matchAll(/pr-(\d{1,9})-/g)].map((m) => Number(m[1]));
    const bases = new Set<string>();
    for (const n of numbers) {
      const live = await this.store.live(ctx.project.id, n);
      if (!live) continue;
      bases.add(live.baseBranch);
      if (p.action === 'checks_requested') {
        await this.store.setWaiting(live.id, `merge group checks on ${(mg.head_sha ?? '').slice(0, 7)} in GitHub's merge queue`);
      } else if (p.action === 'destroyed') {
        if (p.reason === 'merged') await this.runner.merged(ctx, live, { sha: mg.head_sha ?? null, byUs: false });
        else await this.runner.fail(ctx, live, groupReason(p.reason));
      }
    }
    const fromRef = mg.base_ref?.replace(/^refs\/heads\//, '');
    if (p.action === 'destroyed' && fromRef) bases.add(fromRef);
    for (const base of bases) await this.runner.advance(ctx, base);
  }

  private async taskOf(ctx: RepoCtx, pr: PrPayload): Promise<number | null> {
    const { port } = ctx.deps;
    const t =
      (typeof pr.number === 'number' ? await port.findTaskByPr(ctx.project.id, pr.number) : null) ??
      (pr.head?.ref ? await port.findTaskByBranch(ctx.project.id, pr.head.ref) : null);
    return t?.id ?? null;
  }
}

function groupReason(reason: string | undefined): string {
  switch (reason) {
    case 'invalidated':
      return "GitHub's merge queue invalidated its merge group (the base branch or a PR ahead of it changed)";
    case 'dequeued':
      return "GitHub's merge queue took it out (its merge group checks failed or it was dequeued)";
    default:
      return `GitHub's merge queue dropped its merge group${reason ? ` (${reason})` : ''}`;
  }
}

export type { MergeQueueEntry };
