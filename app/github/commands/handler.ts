import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import type { WebhookPayload } from '../handlers/payloads.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import type { ChangeResult, TaskStatusReport } from '../ports.js';
import { errorText } from '../types.js';
import { once, transient } from '../effects/once.js';
import { commentOnce, reactOnce } from '../effects/writes.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { hasCommandCandidate, helpText, parseCommands, type FleetCommand } from './parse.js';
import { isBotActor } from '../../core/botActor.js';
import { roleAtLeast } from './permissions.js';
import { reviseCommand } from '../handlers/reviewFeedback.js';
import type { FeedbackOutcome } from '../handlers/feedback.js';

interface CommentPayload {
  action?: string;
  comment?: { id?: number; body?: string; html_url?: string; user?: { login?: string; type?: string } | null; performed_via_github_app?: { id?: number; slug?: string } | null };
  sender?: { login?: string; type?: string } | null;
  issue?: { number?: number; pull_request?: unknown; state?: string };
}

/** issue_comment.created: runs the `/fleet` commands in the comment. Never throws on content. */
export async function onComment(ctx: RepoCtx, payload: WebhookPayload<'issue_comment.created'>): Promise<void> {
  const p: CommentPayload = payload;
  if (p.action !== 'created' || !p.comment || typeof p.issue?.number !== 'number') return;
  const login = p.comment.user?.login ?? '';
  // Issue 15: bots and Apps never trigger commands (this App's own comments quote them back);
  // then the cheap line test, and only then the permission lookup and the Markdown parse.
  // `commands.allowBots` is accepted in fleet.yml but has no effect: no bot, and nothing posted through
  // an App, steers an agent.
  const isBot = isBotActor(
    { user: p.comment.user ?? null, sender: p.sender ?? null, performed_via_github_app: p.comment.performed_via_github_app ?? null },
    ctx.deps.ownApp ?? {},
  );
  if (isBot || p.comment.performed_via_github_app) return;
  if (!hasCommandCandidate(p.comment.body)) return; // the common case: costs nothing
  const issueNumber = p.issue.number;
  const commentId = p.comment.id;

  const role = await ctx.deps.permissions.role(gatewayOf(ctx), ctx.owner, ctx.repo, login);
  const parsed = parseCommands(p.comment.body);
  if (!parsed.length) return; // `/fleet` only inside a quote, code or HTML: not a command
  if (!roleAtLeast(role, ctx.config.commands.allow)) {
    // Outsiders must not spend the App's write budget: a reaction per comment, and one
    // explanation per person and issue an hour (recorded in Postgres, so it holds across processes).
    await react(ctx, commentId, 'confused');
    if (await ctx.deps.port.effects.claimReplySlot(ctx.project.id, issueNumber, login, ctx.deliveryId, STRANGER_REPLY_WINDOW_S)) {
      await reply(
        ctx,
        issueNumber,
        `@${login} fleet commands need ${ctx.config.commands.allow} access to this repository (you have ${role}); nothing was changed.`,
      );
    }
    return;
  }

  // The commands' outcome is recorded with the delivery: a re-run replies with what was done the
  // first time instead of running the commands again (a second /fleet retry would be refused).
  const from: CommandSource = {
    canWrite: roleAtLeast(role, 'write'),
    commentId: commentId ?? 0,
    login,
    url: p.comment.html_url ?? null,
    bot: isBot,
  };
  const outcome = await once(ctx, `commands:${commentId ?? 0}`, () => runCommands(ctx, parsed, issueNumber, !!p.issue?.pull_request, from));
  await react(ctx, commentId, outcome.failed ? 'confused' : '+1');
  if (outcome.lines.length) {
    await reply(ctx, issueNumber, outcome.failed ? `@${login} some commands were not carried out:\n\n${outcome.lines.join('\n')}` : outcome.lines.join('\n\n'));
  }
  if (outcome.dispatch) await dispatchReady(ctx);
}

/** One explanation an hour per person and issue for refused commands. */
export const STRANGER_REPLY_WINDOW_S = 3600;

interface CommandsOutcome {
  lines: string[];
  failed: boolean;
  dispatch: boolean;
}

/** Who wrote the commands and where: what `/fleet revise` records with its feedback. */
interface CommandSource {
  commentId: number;
  login: string;
  url: string | null;
  bot: boolean;
  canWrite: boolean;
}

async function runCommands(ctx: RepoCtx, parsed: ReturnType<typeof parseCommands>, issueNumber: number, isPr: boolean, from: CommandSource): Promise<CommandsOutcome> {
  const canWrite = from.canWrite;
  const { port } = ctx.deps;
  let task: Task | null = isPr ? await port.findTaskByPr(ctx.project.id, issueNumber) : await port.findTaskByIssue(ctx.project.id, issueNumber);
  const lines: string[] = [];
  let failed = false;
  let dispatch = false;

  for (const entry of parsed) {
    if (!entry.ok) {
      failed = true;
      lines.push(`- \`${clip(entry.text)}\`: ${entry.error}`);
      continue;
    }
    const cmd = entry.command;
    if (cmd.kind === 'help') {
      lines.push(helpText());
      continue;
    }
    if (cmd.kind === 'pause' || cmd.kind === 'resume' || cmd.kind === 'stop') {
      // The kill switch works from any issue of the project, and needs write access whatever `commands.allow` says.
      const out = canWrite ? await killSwitch(ctx, cmd) : { error: `\`/fleet ${cmd.kind}\` needs write access to this repository` };
      if (out.error) {
        failed = true;
        lines.push(`- \`${clip(entry.text)}\`: ${out.error}`);
      } else if (out.text) lines.push(out.text);
      dispatch ||= !!out.dispatch;
      continue;
    }
    if (!task) {
      failed = true;
      lines.push(`- \`${clip(entry.text)}\`: this ${isPr ? 'pull request is not linked to' : 'issue is not'} a fleet task; label the issue \`fleet:task\` first.`);
      continue;
    }
    try {
      const out = await run(ctx, task, cmd, isPr ? issueNumber : task.prNumber, from);
      if (out.error) {
        failed = true;
        lines.push(`- \`${clip(entry.text)}\`: ${out.error}`);
      } else if (out.text) {
        lines.push(out.text);
      }
      if (out.task) task = out.task;
      dispatch ||= !!out.dispatch;
    } catch (err) {
      if (transient(err)) throw err; // the delivery is retried; nothing was recorded or said yet
      failed = true;
      lines.push(`- \`${clip(entry.text)}\`: could not be carried out (${errorText(err)})`);
      ctx.log.warn({ delivery: ctx.deliveryId, command: cmd.kind, err: errorText(err) }, 'fleet command failed');
    }
  }
  return { lines, failed, dispatch };
}

interface RunOut {
  error?: string;
  text?: string;
  task?: Task;
  dispatch?: boolean;
}

const refusal = (r: ChangeResult): RunOut => ('refused' in r ? { error: r.refused, task: r.task } : { task: r.task, dispatch: r.changed });

async function run(ctx: RepoCtx, task: Task, cmd: FleetCommand, prNumber: number | null, from: CommandSource): Promise<RunOut> {
  const { port } = ctx.deps;
  switch (cmd.kind) {
    case 'assign': {
      // A pool name routes the task to that pool; any other name is an agent, assigned at once.
      if (ctx.config.pools.some((x) => x.name === cmd.target)) return refusal(await port.setRequiredPool(task.id, cmd.target));
      const pools = ctx.config.pools.map((x) => `\`${x.name}\``).join(', ');
      const r = await port.assignToAgent(task.id, cmd.target);
      if ('claim' in r) return { task: r.claim.task };
      if (r.unknownAgent) return { error: `there is no pool or agent \`${cmd.target}\`; pools in .github/fleet.yml: ${pools}, or the name of a registered agent` };
      return { error: r.refused };
    }
    case 'unassign': {
      const r = await port.setRequiredPool(task.id, null);
      if (task.status === 'assigned' || task.status === 'in_progress') {
        const rel = await port.release(task.id, 'unassigned by /fleet unassign', { countAttempt: false });
        return { ...refusal(rel), dispatch: true };
      }
      return refusal(r);
    }
    case 'priority':
      return refusal(await port.setPriority(task.id, cmd.priority));
    case 'estimate':
      return refusal(await port.setEstimate(task.id, cmd.hours));
    case 'depends-on': {
      const found = await port.tasksByIssues(ctx.project.id, cmd.issues);
      const missing = cmd.issues.filter((n) => !found.has(n));
      const r = await port.addDependencies(task.id, [...found.values()].map((t) => t.id));
      const problems = [...missing.map((n) => `#${n} is not a fleet task`), ...r.refused];
      return problems.length ? { error: problems.join('; '), dispatch: false } : { dispatch: true };
    }
    case 'hold':
      return refusal(await port.setHeld(task.id, true));
    case 'unhold':
      return refusal(await port.setHeld(task.id, false));
    case 'retry':
      return { ...refusal(await port.retry(task.id)), dispatch: true };
    case 'cancel':
      return { ...refusal(await port.cancel(task.id, 'cancelled by /fleet cancel')), dispatch: true };
    case 'status': {
      const s = await port.status(task.id);
      const guardLines = (await ctx.deps.guards?.statusLines(ctx.project.id)) ?? [];
      return s ? { text: statusText({ ...s, guardLines }) } : { error: 'the task no longer exists' };
    }
    case 'merge':
    case 'dequeue': {
      if (!prNumber) return { error: 'this task has no pull request yet' };
      const mq = ctx.deps.mergeQueue;
      if (!mq) return { error: 'the merge queue is not enabled on this orchestrator' };
      const text = cmd.kind === 'merge' ? await mq.enqueue(ctx, task.id, prNumber) : await mq.dequeue(ctx, task.id, prNumber);
      return { text };
    }
    case 'help':
      return { text: helpText() };
    case 'revise': {
      if (from.bot) return { error: 'feedback never comes from a bot' };
      if (!prNumber || task.prNumber === null) return { error: 'this task has no pull request yet: there is nothing to revise' };
      const outcome = await reviseCommand(ctx, task, { commentId: from.commentId, instructions: cmd.instructions, url: from.url, author: from.login });
      return { text: reviseText(task, outcome, ctx.config.feedback.maxRounds) };
    }
    case 'pause':
    case 'resume':
    case 'stop':
      return killSwitch(ctx, cmd);
  }
}

/** The answer to `/fleet revise`: what became of the instructions. */
function reviseText(task: Task, outcome: FeedbackOutcome, maxRounds: number): string {
  switch (outcome) {
    case 'round':
      return `Task ${task.key} goes back to its agent for a revise round with these instructions.`;
    case 'needs-human':
      return `Task ${task.key} has used its ${maxRounds} feedback rounds; the instructions are kept, but no agent is sent (\`fleet:needs-human\`).`;
    case 'off':
      return `Feedback is not stored on this orchestrator; nothing was sent.`;
    default:
      return `The instructions are kept for task ${task.key}'s next round (its agent is still at work, or a round is about to start).`;
  }
}

/**
 * `/fleet pause|resume` (the project) and `/fleet stop <task>` (one task: its run cancelled at
 * once through the Actions API, its assignment ended without counting an attempt, the task held).
 */
async function killSwitch(ctx: RepoCtx, cmd: Extract<FleetCommand, { kind: 'pause' | 'resume' | 'stop' }>): Promise<RunOut> {
  const guards = ctx.deps.guards;
  if (!guards) return { error: `\`/fleet ${cmd.kind}\` is not available on this orchestrator` };
  if (cmd.kind === 'pause') {
    const r = await guards.pause(ctx.project.id);
    const running = r.mode === 'stop' ? `${r.stopping} running job(s) stop at their next heartbeat (pause: stop)` : 'running jobs finish (pause: drain)';
    return { text: r.changed ? `Paused: nothing is dispatched or handed out; ${running}. \`/fleet resume\` resumes.` : 'The project was already paused.' };
  }
  if (cmd.kind === 'resume') {
    const r = await guards.resume(ctx.project.id);
    return { text: r.changed ? `Resumed: ${r.released} task(s) are back in the queue.` : 'The project was not paused.', dispatch: r.changed };
  }
  const { port } = ctx.deps;
  const task = 'key' in cmd.task ? await port.findTaskByKey(ctx.project.id, cmd.task.key) : await port.findTaskByIssue(ctx.project.id, cmd.task.issue);
  if (!task) return { error: `there is no task ${'key' in cmd.task ? cmd.task.key : `#${cmd.task.issue}`} in this project` };
  const s = await guards.stopTask(task.id);
  if (s.assignmentId !== null) {
    const runId = s.workflowRunId;
    if (runId !== null) {
      const github = gatewayOf(ctx);
      await once(ctx, `cancel-run:${runId}`, () => github.cancelWorkflowRun(runId));
    }
    await guards.endStopped(task.id, s.assignmentId);
  }
  const ran = s.assignmentId === null ? 'it was not running' : s.workflowRunId === null ? 'its assignment ended' : `run ${s.workflowRunId} was cancelled and its assignment ended`;
  return { text: `Stopped task ${task.key}: ${ran}; it is held (\`/fleet unhold\` on its issue releases it).` };
}

export function statusText(s: TaskStatusReport & { guardLines?: string[] }): string {
  const t = s.task;
  const rows = [
    `**Task ${t.key}**: ${t.title}`,
    '',
    '| | |',
    '|---|---|',
    `| status | ${t.status}${t.held ? ' (held)' : ''}${t.status === 'pending' ? (t.ready ? ', ready' : ', waiting') : ''} |`,
    `| priority | p${t.priority} |`,
    `| estimate | ${t.estimatedHours}h (critical path ${t.criticalPathHours}h) |`,
    `| attempts | ${t.attempts} |`,
    `| pool | ${t.requiredPool ?? 'any'} |`,
  ];
  if (s.unmetDependencies.length) rows.push(`| waiting for | ${s.unmetDependencies.join(', ')} |`);
  if (s.activeAssignment) {
    const a = s.activeAssignment;
    rows.push(`| assignment | pool ${a.pool ?? '?'}, epoch ${a.epoch}, lease until ${a.leaseExpiresAt.toISOString()}${a.runnerName ? `, runner ${a.runnerName}` : ''}${a.workflowRunId ? `, run ${a.workflowRunId}` : ''} |`);
  }
  if (t.prNumber) rows.push(`| pull request | #${t.prNumber} |`);
  if (t.failureReason) rows.push(`| last failure | ${t.failureReason.replace(/\|/g, '/')} |`);
  if (s.guardLines?.length) rows.push('', ...s.guardLines);
  if (s.recentEvidence.length) {
    rows.push('', 'Recent evidence:', ...s.recentEvidence.map((e) => `- ${e.type}${e.ref ? ` \`${e.ref.slice(0, 12)}\`` : ''}${e.url ? ` ${e.url}` : ''}`));
  }
  return rows.join('\n');
}

function clip(s: string): string {
  return s.replace(/`/g, "'").slice(0, 80);
}

async function react(ctx: RepoCtx, commentId: number | undefined, content: '+1' | 'confused'): Promise<void> {
  if (typeof commentId !== 'number') return;
  await reactOnce(ctx, commentId, content);
}

async function reply(ctx: RepoCtx, issueNumber: number, body: string): Promise<void> {
  await commentOnce(ctx, `reply:${issueNumber}`, issueNumber, body);
}
