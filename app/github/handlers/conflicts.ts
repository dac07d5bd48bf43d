import type { RepoCtx } from '../context.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { MergeabilityRecord } from '../gateway/gitHubGateway.js';
import { giveFeedback } from './feedback.js';

/** Waits between reads while GitHub is still computing a PR's mergeability (bounded: ~7 s in all). */
export const MERGEABILITY_RETRY_MS = [1000, 2000, 4000];
const MAX_PRS = 30;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GitHub sends no event when a PR becomes conflicting, so after a push to a branch the task PRs
 * into it are read (#14): `dirty` is a `conflict` item and a rebase round; `behind` is left to
 * the branch updates the merge queue makes. Returns the PRs found conflicting.
 */
export async function conflictsAfterPush(ctx: RepoCtx, base: string, baseSha: string): Promise<number[]> {
  const store = ctx.deps.port.feedback;
  if (!store || !ctx.config.feedback.onConflict) return [];
  // No task has a PR to look at: no GitHub call (most pushes of most repositories).
  if (!(await store.hasOpenPrs(ctx.project.id))) return [];
  const github = gatewayOf(ctx);
  const open = await github.openPullRequests(base);
  const out: number[] = [];
  for (const pr of open.slice(0, MAX_PRS)) {
    const task = await ctx.deps.port.findTaskByPr(ctx.project.id, pr.number);
    if (!task || task.prNumber !== pr.number || task.status === 'done' || task.status === 'cancelled') continue;
    const m = await settled(ctx, pr.number);
    if (m?.mergeableState !== 'dirty') continue;
    out.push(pr.number);
    await store.setPrState(task.id, 'conflicting');
    await giveFeedback(
      ctx,
      task,
      [
        {
          kind: 'conflict',
          source: `conflict:${pr.number}:${baseSha}`,
          author: null,
          url: null,
          text: `Pull request #${pr.number} conflicts with ${base} at ${baseSha}${m.headSha ? ` (head ${m.headSha})` : ''}. Rebase the branch onto ${base}, resolve the conflicts, and keep the task's changes.`,
          files: [],
        },
      ],
      'rebase',
    );
  }
  return out;
}

/** The PR's mergeability once GitHub has computed it (null `mergeable` means "still computing"). */
async function settled(ctx: RepoCtx, prNumber: number): Promise<MergeabilityRecord | null> {
  const delays = ctx.deps.mergeabilityRetryMs ?? MERGEABILITY_RETRY_MS;
  for (let i = 0; ; i++) {
    const m = await gatewayOf(ctx).pullRequestMergeability(prNumber);
    if (m.state !== 'open') return null;
    if (m.mergeable !== null && m.mergeableState !== 'unknown') return m;
    if (i >= delays.length) {
      ctx.log.info({ delivery: ctx.deliveryId, pr: prNumber }, 'GitHub was still computing mergeability; left for the next push');
      return null;
    }
    await sleep(delays[i]!);
  }
}
