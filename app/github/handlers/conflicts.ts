import type { RepoCtx } from '../context.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { MergeabilityRecord } from '../gateway/gitHubGateway.js';
import { giveFeedback } from './feedback.js';
import { errorText } from '../types.js';

import { MERGEABILITY_RETRY_MS, untilComputed } from '../mergeQueue/untilComputed.js';

export { MERGEABILITY_RETRY_MS } from '../mergeQueue/untilComputed.js';
const MAX_PRS = 30;

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
    const both = m.headSha ? await bothSides(ctx, baseSha, m.headSha, pr.number) : null;
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
          text:
            `Pull request #${pr.number} conflicts with ${base} at ${baseSha}${m.headSha ? ` (head ${m.headSha})` : ''}. Rebase the branch onto ${base}, resolve the conflicts, and keep the task's changes.` +
            (both === null
              ? ''
              : both.files.length
                ? `\nFiles changed on both sides since the merge base ${both.mergeBase} (GitHub does not name the conflicting files; the conflicts are among these): ${both.files.join(', ')}.`
                : `\nNo file changed on both sides since the merge base ${both.mergeBase} by name (a rename or a deletion may be the conflict).`),
          files: (both?.files ?? []).map((path) => ({ path, line: null, body: `changed on both sides since the merge base ${both!.mergeBase}` })),
        },
      ],
      'rebase',
    );
  }
  return out;
}

/**
 * The files changed on both sides: by the PR since it forked from the base, and on the base since
 * then. GitHub's REST API does not name a PR's conflicting files; the conflicts can only be in
 * these (two compares: base...head for the PR's side and the merge base, merge base...base for
 * the other). Null when GitHub would not compare them (the feedback then names none).
 */
async function bothSides(ctx: RepoCtx, baseSha: string, headSha: string, prNumber: number): Promise<{ mergeBase: string; files: string[] } | null> {
  const github = gatewayOf(ctx);
  try {
    const ours = await github.changedSince(baseSha, headSha);
    if (!ours.mergeBaseSha) return null;
    const theirs = await github.changedSince(ours.mergeBaseSha, baseSha);
    const changedOnBase = new Set(theirs.files);
    return { mergeBase: ours.mergeBaseSha, files: ours.files.filter((f) => changedOnBase.has(f)).sort() };
  } catch (err) {
    ctx.log.warn({ delivery: ctx.deliveryId, pr: prNumber, err: errorText(err) }, 'conflict feedback: could not compare the branches; the files are not named');
    return null;
  }
}

/** The PR's mergeability once GitHub has computed it (null `mergeable` means "still computing"). */
async function settled(ctx: RepoCtx, prNumber: number): Promise<MergeabilityRecord | null> {
  const r = await untilComputed(
    () => gatewayOf(ctx).pullRequestMergeability(prNumber),
    (m) => m.state === 'open' && (m.mergeable === null || m.mergeableState === 'unknown'),
    ctx.deps.mergeabilityRetryMs ?? MERGEABILITY_RETRY_MS,
  );
  if (r.value.state !== 'open') return null;
  if (r.computing) {
    ctx.log.info({ delivery: ctx.deliveryId, pr: prNumber }, 'GitHub was still computing mergeability; left for the next push');
    return null;
  }
  return r.value;
}
