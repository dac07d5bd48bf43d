import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { roleAtLeast } from '../commands/permissions.js';
import { isBotActor, type ActorFields, type OwnApp } from '../../core/botActor.js';
import { cleanForAgent } from '../../core/untrustedText.js';
import { giveFeedback, type FeedbackOutcome } from './feedback.js';

/** This App as the webhook payloads may name it (any `[bot]` or `Bot` actor is refused anyway). */
const ownApp = (ctx: RepoCtx): OwnApp => ctx.deps.ownApp ?? {};

/**
 * Whether someone's words may become feedback: no bot (this App included), and write access to
 * the repository. Outsiders' reviews stay evidence only.
 */
export async function mayGiveFeedback(ctx: RepoCtx, user: ActorFields | null | undefined, sender: ActorFields | null | undefined, via?: { id?: number | null; slug?: string | null } | null): Promise<boolean> {
  if (!user?.login) return false;
  if (isBotActor({ user, sender, performed_via_github_app: via ?? null }, ownApp(ctx))) return false;
  const role = await ctx.deps.permissions.role(gatewayOf(ctx), ctx.owner, ctx.repo, user.login);
  return roleAtLeast(role, 'write');
}

/** A writer's "changes requested" review: its body and comments become feedback and a revise round. */
export async function reviewRequestedChanges(
  ctx: RepoCtx,
  task: Task,
  prNumber: number,
  review: { id: number; body: string | null; url: string | null; author: string },
): Promise<FeedbackOutcome> {
  if (!ctx.config.feedback.onChangesRequested) return 'off';
  const comments = await gatewayOf(ctx).reviewComments(prNumber, review.id);
  return giveFeedback(
    ctx,
    task,
    [
      {
        kind: 'changes_requested',
        source: `review:${review.id}`,
        author: review.author,
        url: review.url,
        text: cleanForAgent(review.body ?? ''),
        files: comments.slice(0, 100).map((c) => ({ path: c.path, line: c.line, body: cleanForAgent(c.body) })),
      },
    ],
    'revise',
  );
}

/** `/fleet revise <instructions>` from a writer: the instructions become feedback and a revise round. */
export async function reviseCommand(ctx: RepoCtx, task: Task, c: { commentId: number; instructions: string; url: string | null; author: string }): Promise<FeedbackOutcome> {
  return giveFeedback(
    ctx,
    task,
    [{ kind: 'revise_command', source: `comment:${c.commentId}`, author: c.author, url: c.url, text: cleanForAgent(c.instructions), files: [] }],
    'revise',
  );
}
