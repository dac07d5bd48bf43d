import type { RepoCtx } from '../context.js';
import { retryable } from '../effects/once.js';
import { commentOnce, resumeComments } from '../effects/writes.js';
import type { MergeQueueEntry } from './store.js';

/**
 * The merge queue's comments on pull requests go through the effects log (app/github/effects):
 * each is written once per delivery under `mq:comment:<entry>:<why>`, with its text kept so that
 * a re-run of the delivery finishes a comment an earlier run began (after a crash, or GitHub
 * answering 5xx) even though the queue entry has already moved on and the step that wrote it
 * does not run again. A comment GitHub may not have taken fails the delivery (`QueueCommentFailed`).
 */

const PREFIX = 'mq:comment:';

/** A merge queue comment GitHub may not have taken; the delivery's retry finishes it. */
export class QueueCommentFailed extends Error {
  constructor(prNumber: number, options: { cause: unknown }) {
    super(`merge queue: the comment on #${prNumber} could not be written; the delivery will be retried`, options);
    this.name = 'QueueCommentFailed';
  }
}

export async function queueComment(ctx: RepoCtx, entry: Pick<MergeQueueEntry, 'id' | 'prNumber'>, why: string, body: string): Promise<void> {
  try {
    // Refused for good (a 4xx: the PR locked, say) is logged by the effects log and not retried.
    await commentOnce(ctx, `${PREFIX}${entry.id}:${why}`, entry.prNumber, body, { resumable: true });
  } catch (err) {
    if (retryable(err)) throw new QueueCommentFailed(entry.prNumber, { cause: err });
    throw err;
  }
}

/** After a merge queue event: the comments an earlier run of this delivery began and did not finish. */
export async function resumeQueueComments(ctx: RepoCtx): Promise<void> {
  try {
    await resumeComments(ctx, PREFIX);
  } catch (err) {
    if (retryable(err)) throw new QueueCommentFailed(0, { cause: err });
    throw err;
  }
}
