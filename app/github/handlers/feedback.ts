import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import type { FeedbackItem, NewFeedback, RoundMode } from '../../feedback/types.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { commentOnce, labelOnce } from '../effects/writes.js';

export const NEEDS_HUMAN_LABEL = 'fleet:needs-human';

export type FeedbackOutcome = 'off' | 'replay' | 'waiting' | 'round' | 'needs-human';

/**
 * The feedback loop's one entry (#14): stores what the task's PR was told, then, when the task is
 * in review, sends it back to its pool for a revise or rebase round — or, after `maxRounds`,
 * leaves it in review with `fleet:needs-human` and one summary comment. An item that arrives
 * while an agent still works on the task waits for the next round. A replayed delivery finds its
 * item stored and starts nothing twice.
 */
export async function giveFeedback(ctx: RepoCtx, task: Task, items: Omit<NewFeedback, 'taskId'>[], mode: RoundMode): Promise<FeedbackOutcome> {
  const { port } = ctx.deps;
  const store = port.feedback;
  if (!store || !items.length) return 'off';
  const added: { item: FeedbackItem; fresh: boolean }[] = [];
  for (const f of items) {
    const a = await store.add({ ...f, taskId: task.id });
    if (a) added.push(a);
  }
  const round = await store.round(task.id);
  const cur = await port.findTaskById(task.id);
  if (!round || !cur || !added.length) return 'off';
  const fresh = added.some((a) => a.fresh);
  if (!added.some((a) => a.item.round > round.round)) {
    // Joined a round that was started and not yet begun by its agent (or a replay after the round began).
    if (cur.status === 'pending') await dispatchReady(ctx);
    return fresh ? 'waiting' : 'replay';
  }
  // In review: a new round. Pending with the items already stored: a re-run after a crash between
  // the status change and the round count, which finishes the round.
  if (!(cur.status === 'in_review' || (cur.status === 'pending' && !fresh))) return 'waiting';
  if (round.round >= ctx.config.feedback.maxRounds) {
    if (round.needsHumanAt) return 'needs-human';
    await needsHuman(ctx, cur, round.round);
    return 'needs-human';
  }
  const first = items[0]!;
  const n = await store.beginRound(task.id, round.round, mode, `${mode} round ${round.round + 1}: ${first.kind} from ${first.source}`);
  if (n === null) return 'waiting';
  await port.recordEvidence({
    projectId: ctx.project.id,
    taskId: task.id,
    type: 'note',
    source: 'app',
    ref: first.source.slice(0, 200),
    url: first.url,
    deliveryId: `round:${task.id}:${n}`,
    metadata: { round: n, mode, kinds: [...new Set(items.map((i) => i.kind))] },
  });
  await dispatchReady(ctx);
  return 'round';
}

/** The rounds are used up: label and one comment on the PR (and the label on the issue). */
async function needsHuman(ctx: RepoCtx, task: Task, rounds: number): Promise<void> {
  const store = ctx.deps.port.feedback!;
  const items = await store.list(task.id);
  const target = task.prNumber ?? task.issueNumber;
  if (target !== null) {
    await labelOnce(ctx, target, [NEEDS_HUMAN_LABEL]);
    if (task.issueNumber !== null && task.issueNumber !== target) await labelOnce(ctx, task.issueNumber, [NEEDS_HUMAN_LABEL]);
    await commentOnce(ctx, `needs-human:${task.id}`, target, summary(task, rounds, ctx.config.feedback.maxRounds, items));
  }
  await store.markNeedsHuman(task.id);
}

const KIND_TEXT: Record<FeedbackItem['kind'], string> = {
  checks_failed: 'failed check',
  changes_requested: 'changes requested',
  revise_command: '/fleet revise',
  conflict: 'conflict with the base branch',
};

/** The summary a person reads when the rounds stop: what each round was for, and what is open. */
export function summary(task: Task, rounds: number, maxRounds: number, items: FeedbackItem[]): string {
  const lines = [
    `Task **${task.key}** has had ${rounds} feedback round${rounds === 1 ? '' : 's'} (the limit is ${maxRounds}); it stays in review for a person to take over.`,
    '',
  ];
  const byRound = new Map<number, FeedbackItem[]>();
  for (const it of items) byRound.set(it.round, [...(byRound.get(it.round) ?? []), it]);
  for (const [r, list] of [...byRound].sort((a, b) => a[0] - b[0])) {
    const what = list.map((it) => `${KIND_TEXT[it.kind]}${it.author ? ` (by ${it.author.replace(/[^A-Za-z0-9-]/g, '')})` : ''}`);
    lines.push(`- ${r <= rounds ? `round ${r}` : 'not yet sent'}: ${[...new Set(what)].join(', ')}`);
  }
  lines.push('', `Label \`${NEEDS_HUMAN_LABEL}\` added. Further feedback is kept with the task but sends no agent; push to the branch yourself, or close the PR to start the task afresh.`);
  return lines.join('\n');
}
