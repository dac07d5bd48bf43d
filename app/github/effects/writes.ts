import type { RepoCtx } from '../context.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { ReactionContent } from '../gateway/gitHubGateway.js';
import { onceOrRefused, type EffectCtx } from './once.js';

/**
 * The GitHub writes a delivery makes most often, each once per (delivery, key) through ./once.ts,
 * each with the read (`verify`) that finds it after a crash.
 */

type Repo = Pick<RepoCtx, 'gh' | 'owner' | 'repo'> & Pick<Partial<RepoCtx>, 'github'>;

/**
 * Adds a comment once per (delivery, key). With `resumable` the text is kept with the record, so
 * a re-run that no longer reaches this call (its state already moved on) still finishes it
 * through `resumeComments`.
 */
export async function commentOnce(
  ctx: EffectCtx & Repo,
  key: string,
  issueNumber: number,
  body: string,
  opts: { resumable?: boolean } = {},
): Promise<{ id: number | null } | undefined> {
  const text = body.slice(0, 60_000);
  const github = gatewayOf(ctx);
  return onceOrRefused(ctx, key, () => github.createComment(issueNumber, text), {
    intent: opts.resumable ? { issue: issueNumber, body: text } : { issue: issueNumber },
    verify: async (_intent, startedAt) => {
      // Comments since shortly before the first attempt: ours is a bot's with exactly this text
      // (the same delivery writes the same text again).
      const since = new Date(startedAt.getTime() - 60_000).toISOString();
      const hit = (await github.listCommentsSince(issueNumber, since, 5)).find((c) => c.body === text && c.byBot);
      return hit ? { id: hit.id } : undefined;
    },
  });
}

/** Reacts to a comment once per (delivery, comment, content). */
export async function reactOnce(ctx: EffectCtx & Repo, commentId: number, content: ReactionContent): Promise<void> {
  const github = gatewayOf(ctx);
  await onceOrRefused(
    ctx,
    `react:${commentId}:${content}`,
    () => github.addReaction(commentId, content).then(() => true),
    { verify: async () => ((await github.hasBotReaction(commentId, content)) ? true : undefined) },
  );
}

/** Adds labels to an issue once per (delivery, issue, labels). */
export async function labelOnce(ctx: EffectCtx & Repo, issueNumber: number, labels: string[]): Promise<void> {
  const github = gatewayOf(ctx);
  await onceOrRefused(ctx, `label:${issueNumber}:${labels.join(',')}`, () => github.addLabels(issueNumber, labels).then(() => true), {
    verify: async () => {
      const have = new Set(await github.listLabels(issueNumber));
      return labels.every((l) => have.has(l)) ? true : undefined;
    },
  });
}

/**
 * Finishes this delivery's resumable comments (keys starting with `prefix`) that an earlier run
 * began but did not see through: each is looked for on GitHub first and posted only if missing.
 */
export async function resumeComments(ctx: EffectCtx & Repo, prefix: string): Promise<number> {
  let n = 0;
  for (const row of await ctx.deps.port.effects.list(ctx.deliveryId, prefix)) {
    if (row.done) continue;
    const it = row.intent as { issue?: unknown; body?: unknown } | null;
    if (typeof it?.issue !== 'number' || typeof it.body !== 'string') continue;
    await commentOnce(ctx, row.key, it.issue, it.body, { resumable: true });
    n++;
  }
  return n;
}
