import type { RepoCtx } from '../context.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { errorText, httpStatus } from '../types.js';
import { fetchPrState, refusalText, withExpectedChecks, type PrState } from './prState.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { MergeResult } from '../gateway/gitHubGateway.js';
import { queueComment } from './comments.js';
import type { OrderedMergeEntry, MergeQueueInput } from '../../core/mergeOrder.js';
import { buildMergeQueue } from '../../core/mergeQueueView.js';
import { readMergeQueueRows } from './rows.js';
import { LIVE_STATES, type EntryState, type MergeQueueStore, type MergeQueueEntry } from './store.js';
import { footprintsOverlap } from '../../core/footprintOverlap.js';
import { MERGEABILITY_RETRY_MS, untilComputed } from './untilComputed.js';

/**
 * Drives the queue of one base branch, one pull request at a time (app mode):
 *
 *   queued ──(first ready in order)──▶ waiting_checks ──(behind)──▶ updating ──(synchronize)──▶ waiting_checks
 *                                          │ green, up to date                                      │
 *                                          ▼                                                        │
 *                                       merging ──▶ merged (evidence 'merge', task done)            │
 *   any failure (checks failed, conflict, GitHub refused the merge) ──▶ failed + PR comment ◀───────┘
 *
 * Nothing polls: every step runs inside a webhook delivery (review submitted, checks completed,
 * PR synchronized or closed, merge_group) or a `/fleet` command, and stops where it must wait for
 * the next event. Each state change is a conditional UPDATE, and a unique index allows one entry
 * past `queued` per base branch, so concurrent deliveries and processes cannot merge twice.
 * In native mode GitHub's merge queue does the work: ready entries are enqueued through GraphQL
 * (in dependency order: a dependent enters only once its prerequisites' PRs are merged).
 */

type Step = 'continue' | 'wait';

/** A PR state seen during this delivery, reused rather than asked again. */
export type Known = Map<number, PrState>;

const ACTIVE: readonly EntryState[] = ['updating', 'waiting_checks', 'merging'];
const sha7 = (s: string | null | undefined) => (s ?? '').slice(0, 7);

export interface RunnerOptions {
  /** An entry stuck in `merging` or `updating` this long is looked at again (default 10 minutes). */
  staleMs?: number;
  now?: () => number;
}

export class MergeQueueRunner {
  private readonly staleMs: number;
  private readonly now: () => number;

  constructor(
    readonly store: MergeQueueStore,
    opts: RunnerOptions = {},
  ) {
    this.staleMs = opts.staleMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  async prState(ctx: RepoCtx, prNumber: number, known: Known, expected: readonly string[] = []): Promise<PrState | null> {
    let s = known.get(prNumber) ?? null;
    if (!s) {
      s = await fetchPrState(ctx, prNumber);
      if (s) known.set(prNumber, s);
    }
    return s && expected.length ? withExpectedChecks(s, expected) : s;
  }

  /**
   * Live entries of a base branch in queue order (active head first), positions written back.
   * The order and the waits are the merge queue builder's (app/core/mergeQueueView.ts) over the
   * project's rows, exactly what `GET /api/git/merge-queue` shows, kept to this base's entries.
   */
  async order(ctx: RepoCtx, base: string): Promise<OrderedMergeEntry<MergeQueueInput & { entry: MergeQueueEntry }>[]> {
    const live = await this.store.liveOnBase(ctx.project.id, base);
    if (!live.length) return [];
    const byTask = new Map(live.map((e) => [e.taskId, e]));
    const built = buildMergeQueue(await readMergeQueueRows(this.store.db, ctx.project.id), () => ctx.config.merge.requiredApprovals);
    const all = built
      .filter((b) => b.live !== null && byTask.get(b.task.id)?.id === b.live.id)
      .map((b, i) => {
        const entry = byTask.get(b.task.id)!;
        return {
          entry,
          key: b.task.key,
          prNumber: entry.prNumber,
          dependsOn: [],
          criticalPathHours: b.task.criticalPathHours,
          priority: b.task.priority,
          since: entry.createdAt,
          approvals: { approved: b.approvals.approved, required: b.approvals.required, changesRequested: b.approvals.changesRequested },
          checks: b.checks.state,
          position: i + 1,
          state: b.state,
          waitingFor: b.waitingFor,
          waits: b.waits.map((w) => w.detail),
          why: b.waits,
        };
      });
    await this.store.setPositions(all.map((o) => ({ id: o.entry.id, position: o.position, waitingFor: o.entry.state === 'queued' ? o.waitingFor : null })));
    return all;
  }

  /** Looks at a queued entry's PR again (review or checks changed) and remembers what it saw. */
  async refresh(ctx: RepoCtx, entry: MergeQueueEntry, known: Known): Promise<void> {
    if (entry.state !== 'queued') return; // the head is looked at by `step` anyway
    const pr = await this.prState(ctx, entry.prNumber, known, entry.expectedChecks);
    if (!pr) return;
    if (pr.merged) return this.merged(ctx, entry, { sha: pr.mergeSha, byUs: false });
    if (!pr.open) {
      await this.remove(entry, 'the pull request was closed');
      return;
    }
    await this.store.snapshot(entry.id, snapshotOf(pr, entry));
  }

  /** Moves the queue of `base` as far as it can go now. */
  async advance(ctx: RepoCtx, base: string, known: Known = new Map()): Promise<void> {
    for (let round = 0; round < 25; round++) {
      const ordered = await this.order(ctx, base);

      // Queued entries that need a person (checks failed, changes requested) leave with a comment.
      const blocked = ordered.filter((o) => o.entry.state === 'queued' && o.state === 'blocked');
      for (const o of blocked) {
        const why = o.why.filter((w) => w.reason === 'checks_failed' || w.reason === 'changes_requested').map((w) => w.detail);
        await this.fail(ctx, o.entry, why.join('; ') || (o.waitingFor ?? 'blocked'));
      }
      if (blocked.length) continue;

      // Native mode: every ready entry goes to GitHub's queue (dependencies are already merged),
      // except one that touches the files of a PR already in it: overlapping PRs merge one at a
      // time, and it enters once that one merged, judged on a state read after the merge.
      const native = ordered.filter((o) => o.entry.mode === 'native');
      const footprints = native.length ? await this.store.footprints(native.map((o) => o.entry.taskId)) : new Map<number, string[]>();
      const inGitHub = native.filter((o) => o.entry.state === 'merging').map((o) => o.entry);
      for (const o of native) {
        if (o.entry.state !== 'queued' || o.state !== 'ready') continue;
        // Only a known overlap holds a PR back here: GitHub's queue tests each group itself.
        const blocker = inGitHub.find((e) => footprintsOverlap(footprints.get(e.taskId) ?? [], footprints.get(o.entry.taskId) ?? []));
        if (blocker) {
          await this.store.setWaiting(o.entry.id, `waiting for #${blocker.prNumber} to merge first: they change the same files`);
          continue;
        }
        await this.enterNative(ctx, o.entry, known);
        const now = await this.store.byId(o.entry.id);
        if (now?.state === 'merging') inGitHub.push(now);
      }

      // App mode: the head, else the first ready entry becomes the head.
      const head = ordered.find((o) => o.entry.mode === 'app' && ACTIVE.includes(o.entry.state));
      if (head) {
        if ((await this.step(ctx, head.entry, known)) === 'wait') return;
        continue;
      }
      const next = ordered.find((o) => o.entry.mode === 'app' && o.entry.state === 'queued' && o.state === 'ready');
      if (!next) return;
      if (!(await this.store.move(next.entry.id, ['queued'], 'waiting_checks', { waitingFor: 'next to merge', branchUpdated: false }))) return;
      const claimed = await this.store.byId(next.entry.id);
      if (!claimed || (await this.step(ctx, claimed, known)) === 'wait') return;
    }
  }

  private stale(e: MergeQueueEntry): boolean {
    return this.now() - e.updatedAt.getTime() > this.staleMs;
  }

  /** One look at the head entry: merge it, update its branch, wait, or drop it. */
  private async step(ctx: RepoCtx, entry: MergeQueueEntry, known: Known): Promise<Step> {
    if (entry.state === 'merging' && !this.stale(entry)) return 'wait'; // another delivery is merging it right now
    const pr = await this.prState(ctx, entry.prNumber, known, entry.expectedChecks);
    if (!pr) return this.fail(ctx, entry, 'the pull request no longer exists', { comment: false });
    if (pr.merged) {
      await this.merged(ctx, entry, { sha: pr.mergeSha, byUs: false });
      return 'continue';
    }
    if (!pr.open) return this.remove(entry, 'the pull request was closed');
    await this.store.snapshot(entry.id, snapshotOf(pr, entry));
    if (pr.baseRef !== entry.baseBranch) return this.fail(ctx, entry, `its base branch changed from \`${entry.baseBranch}\` to \`${pr.baseRef}\``);
    if (pr.draft) return this.fail(ctx, entry, 'it was converted to a draft');
    if (pr.changesRequestedBy.length) return this.fail(ctx, entry, `changes were requested by ${pr.changesRequestedBy.map((l) => `@${l}`).join(', ')}`);
    const required = ctx.config.merge.requiredApprovals;
    if (pr.approvals < required) {
      // Approval withdrawn or never given (queued by hand): back in line until a review comes.
      await this.store.move(entry.id, [entry.state], 'queued', { waitingFor: `waiting for ${required - pr.approvals} more approval(s)`, branchUpdated: false });
      return 'continue';
    }

    let state = entry.state;
    let updated = !!entry.branchUpdatedAt;
    if (pr.headSha !== entry.headSha) {
      // Our branch update landed (or someone pushed): checks must pass on the new head.
      if (!(await this.store.move(entry.id, [state], 'waiting_checks', { headSha: pr.headSha, waitingFor: `checks on ${sha7(pr.headSha)}` }))) return 'wait';
      updated ||= state === 'updating';
      state = 'waiting_checks';
    } else if (state === 'updating' && !this.stale(entry)) {
      return 'wait'; // the update-branch push has not arrived yet
    }

    if (pr.checks === 'failure') return this.fail(ctx, entry, `required checks failed on ${sha7(pr.headSha)}: ${pr.checkNames.join(', ')}`);
    if (pr.mergeable === 'UNKNOWN') {
      // GitHub is still computing whether it conflicts (typically just after a merge into the
      // base): that is no answer. Read again, a few times with growing waits; the fresh read
      // replaces the one this delivery knew and the head is looked at again with it.
      const r = await untilComputed(
        () => fetchPrState(ctx, entry.prNumber),
        (s) => s?.open === true && s.mergeable === 'UNKNOWN',
        ctx.deps.mergeabilityRetryMs ?? MERGEABILITY_RETRY_MS,
        { value: pr as PrState | null },
      );
      if (r.value) known.set(entry.prNumber, r.value);
      else known.delete(entry.prNumber);
      if (!r.computing) return 'continue';
      ctx.log.info({ pr: entry.prNumber, reads: r.reads }, 'merge queue: GitHub is still computing mergeability; not merging on that');
      await this.store.setWaiting(entry.id, `GitHub is still computing whether ${sha7(pr.headSha)} conflicts with \`${entry.baseBranch}\`; looking again on the next event`);
      return 'wait';
    }
    // Read after the last overlapping merge (forgetOverlapping): a PR that now conflicts is not tried.
    if (pr.mergeable === 'CONFLICTING') return this.fail(ctx, entry, `it conflicts with \`${entry.baseBranch}\` (a pull request changing the same files merged first); rebase it`);
    if (pr.checks === 'pending') {
      const words = `checks on ${sha7(pr.headSha)}: ${pr.checkNames.join(', ')}`;
      if (updated) {
        await this.store.setWaiting(entry.id, words);
        return 'wait'; // the check_suite / check_run completed events bring us back
      }
      // Not ours to wait for: step aside so the next ready PR can go.
      await this.store.move(entry.id, [state], 'queued', { waitingFor: `waiting for ${words}`, branchUpdated: false });
      return 'continue';
    }

    const behind = await gatewayOf(ctx).behindBy(entry.baseBranch, pr.headSha);
    if (behind > 0) {
      try {
        await gatewayOf(ctx).updateBranch(entry.prNumber, pr.headSha);
      } catch (err) {
        return this.fail(ctx, entry, `the branch could not be updated with \`${entry.baseBranch}\` (${refusalText(err)}); resolve the conflict`);
      }
      await this.store.move(entry.id, [state], 'updating', {
        waitingFor: `updating the branch (${behind} commit${behind === 1 ? '' : 's'} behind ${entry.baseBranch})`,
        branchUpdated: true,
      });
      return 'wait';
    }

    if (!(await this.store.move(entry.id, [state], 'merging', { waitingFor: `merging ${sha7(pr.headSha)}` }))) return 'wait';
    let res: MergeResult;
    try {
      res = await gatewayOf(ctx).mergePullRequest(entry.prNumber, pr.headSha, ctx.config.merge.method);
    } catch (err) {
      const status = httpStatus(err);
      if (status !== undefined && status >= 400 && status < 500) return this.fail(ctx, entry, `GitHub refused the merge (${refusalText(err)})`);
      // Server or network trouble: leave it at the head; the next event tries again.
      ctx.log.warn({ pr: entry.prNumber, status, err: errorText(err) }, 'merge queue: merge call failed');
      await this.store.move(entry.id, ['merging'], 'waiting_checks', { waitingFor: `merge failed (${refusalText(err)}); retrying on the next event` });
      return 'wait';
    }
    if (!res.merged) return this.fail(ctx, entry, `GitHub did not merge it (${res.message || 'no reason given'})`);
    await this.merged(ctx, entry, { sha: res.sha, byUs: true, url: pr.url, headSha: pr.headSha });
    await this.forgetOverlapping(entry, known);
    return 'continue';
  }

  /**
   * After a merge, what this delivery saw of the PRs that touch the same files is out of date: the
   * base moved under them and they may conflict now. Forgetting them makes the next look re-read
   * their state, mergeability included, before any of them is merged. A PR whose task has no
   * footprint is forgotten too (nothing says it does not overlap).
   */
  private async forgetOverlapping(merged: MergeQueueEntry, known: Known): Promise<void> {
    const live = (await this.store.liveOnBase(merged.projectId, merged.baseBranch)).filter((e) => e.id !== merged.id);
    if (!live.length) return;
    const fps = await this.store.footprints([merged.taskId, ...live.map((e) => e.taskId)]);
    for (const e of live) if (overlaps(fps.get(merged.taskId), fps.get(e.taskId))) known.delete(e.prNumber);
  }

  /** Native mode: hands a ready entry to GitHub's merge queue. */
  private async enterNative(ctx: RepoCtx, entry: MergeQueueEntry, known: Known): Promise<void> {
    const pr = await this.prState(ctx, entry.prNumber, known, entry.expectedChecks);
    if (!pr) {
      await this.fail(ctx, entry, 'the pull request no longer exists', { comment: false });
      return;
    }
    if (pr.merged) {
      await this.merged(ctx, entry, { sha: pr.mergeSha, byUs: false });
      return;
    }
    if (!pr.open) {
      await this.remove(entry, 'the pull request was closed');
      return;
    }
    await this.store.snapshot(entry.id, snapshotOf(pr, entry));
    const where = (p: number | null) => `in GitHub's merge queue for ${entry.baseBranch}${p ? ` at position ${p}` : ''}`;
    if (pr.inNativeQueue) {
      await this.store.move(entry.id, ['queued'], 'merging', { waitingFor: where(pr.nativePosition) });
      return;
    }
    if (pr.changesRequestedBy.length) {
      await this.fail(ctx, entry, `changes were requested by ${pr.changesRequestedBy.map((l) => `@${l}`).join(', ')}`);
      return;
    }
    if (pr.checks === 'failure') {
      await this.fail(ctx, entry, `required checks failed on ${sha7(pr.headSha)}: ${pr.checkNames.join(', ')}`);
      return;
    }
    if (pr.approvals < ctx.config.merge.requiredApprovals || pr.checks === 'pending') return; // the snapshot now says why
    try {
      const r = await gatewayOf(ctx).enqueueInMergeQueue(pr.nodeId, pr.headSha);
      await this.store.move(entry.id, ['queued'], 'merging', { waitingFor: where(r.position), headSha: pr.headSha });
    } catch (err) {
      await this.fail(ctx, entry, `GitHub's merge queue did not accept it (${refusalText(err)})`);
    }
  }

  /** The PR is merged: entry done, evidence (when we merged it), task done through the engine. */
  async merged(ctx: RepoCtx, entry: MergeQueueEntry, o: { sha: string | null; byUs: boolean; url?: string | null; headSha?: string }): Promise<void> {
    const moved = await this.store.move(entry.id, LIVE_STATES, 'merged', { mergeSha: o.sha, reason: o.byUs ? undefined : 'merged outside the queue' });
    const { port } = ctx.deps;
    if (moved && o.byUs) {
      await port.recordEvidence({
        projectId: ctx.project.id,
        taskId: entry.taskId,
        type: 'merge',
        ref: o.sha,
        url: o.url ?? null,
        source: 'app',
        deliveryId: `merge-queue:${entry.id}`,
        metadata: { kind: 'merge_queue', pr: entry.prNumber, method: ctx.config.merge.method, head_sha: o.headSha ?? entry.headSha, base_ref: entry.baseBranch },
      });
    }
    // Idempotent with the pull_request.closed webhook, which does the same.
    const task = await port.findTaskById(entry.taskId);
    if (task && task.status !== 'done') {
      const r = await port.markDone(entry.taskId, `PR #${entry.prNumber} merged${o.byUs ? ' by the merge queue' : ''}`);
      if (r.changed) {
        try {
          await dispatchReady(ctx);
        } catch (err) {
          ctx.log.warn({ err: errorText(err) }, 'merge queue: dispatch after merge failed');
        }
      }
    }
  }

  /** Drops the entry, says why on the PR, and leaves the task in review. */
  async fail(ctx: RepoCtx, entry: MergeQueueEntry, reason: string, o: { comment?: boolean } = {}): Promise<Step> {
    const moved = await this.store.move(entry.id, LIVE_STATES, 'failed', { reason });
    if (moved) {
      ctx.log.info({ pr: entry.prNumber, reason }, 'merge queue: removed a pull request');
      if (o.comment !== false) {
        await queueComment(
          ctx,
          entry,
          'failed',
          `The merge queue removed this pull request: ${reason}.\n\n` +
            'The task stays in review. Once fixed, comment `/fleet merge` to queue it again; a new commit that is approved and green re-enters the queue by itself.',
        );
      }
    }
    return 'continue';
  }

  async remove(entry: MergeQueueEntry, reason: string): Promise<Step> {
    await this.store.move(entry.id, LIVE_STATES, 'removed', { reason });
    return 'continue';
  }
}

/** Whether two tasks' PRs may touch the same file; an unknown or empty footprint may touch any. */
function overlaps(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a?.length || !b?.length) return true;
  return footprintsOverlap(a, b);
}

/** What to remember of a PR; the expected checks grow until one head is green with them all. */
export function snapshotOf(pr: PrState, entry?: Pick<MergeQueueEntry, 'expectedChecks'>) {
  const expected = pr.checks === 'success' ? pr.seenChecks : [...new Set([...(entry?.expectedChecks ?? []), ...pr.seenChecks])].sort();
  return {
    headSha: pr.headSha,
    prNodeId: pr.nodeId,
    approvals: pr.approvals,
    changesRequested: pr.changesRequestedBy.length,
    checks: pr.checks,
    checkNames: pr.checkNames,
    expectedChecks: expected,
  };
}
