import type { RepoCtx } from '../context.js';
import type { WebhookPayload } from './payloads.js';
import { CONFIG_PATH } from '../config.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { CheckRunInput } from '../gateway/gitHubGateway.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { formatSyncReport, syncPlan, type SyncReport } from '../planSync/index.js';
import { onceOrRefused, once, retryable } from '../effects/once.js';
import { conflictsAfterPush } from './conflicts.js';
import { recordWebhookEvidence } from './webhookEvidence.js';

interface PushPayload {
  ref?: string;
  after?: string;
  deleted?: boolean;
  compare?: string;
  commits?: { id?: string; message?: string; added?: string[]; modified?: string[]; removed?: string[]; url?: string }[];
  head_commit?: { id?: string; message?: string; added?: string[]; modified?: string[] } | null;
  repository?: { default_branch?: string };
  pusher?: { name?: string | undefined };
}

function touched(p: PushPayload): Set<string> {
  const out = new Set<string>();
  for (const c of [...(p.commits ?? []), ...(p.head_commit ? [p.head_commit] : [])]) {
    for (const f of [...(c.added ?? []), ...(c.modified ?? [])]) out.add(f);
  }
  return out;
}

/** push: config and plan changes on the default branch; commits on task branches become evidence. */
export async function onPush(ctx: RepoCtx, payload: WebhookPayload<'push'>): Promise<void> {
  const p: PushPayload = payload;
  if (!p.ref || p.deleted || !p.after || /^0+$/.test(p.after)) return;
  const branch = p.ref.replace(/^refs\/heads\//, '');
  const defaultBranch = p.repository?.default_branch ?? ctx.project.defaultBranch;

  if (branch === defaultBranch) {
    const files = touched(p);
    if (files.has(CONFIG_PATH)) await reloadConfig(ctx, p.after);
    if (files.has(ctx.config.plan)) await syncPlanFile(ctx, p.after);
    await conflictsAfterPush(ctx, branch, p.after);
    return;
  }
  if (!branch.startsWith('fleet/')) {
    // Any other branch may be the base of task PRs (stacked work, release branches).
    await conflictsAfterPush(ctx, branch, p.after);
    return;
  }
  const task = await ctx.deps.port.findTaskByBranch(ctx.project.id, branch);
  if (!task) return;
  await recordWebhookEvidence(ctx, task.id, 'commit', { ref: p.after, url: p.compare ?? null, metadata: { branch, commits: (p.commits ?? []).length, head_message: p.head_commit?.message?.slice(0, 200) ?? null, pusher: p.pusher?.name } });
}

/** Re-reads .github/fleet.yml; an invalid file keeps the previous config and fails a check run with the lines. */
async function reloadConfig(ctx: RepoCtx, sha: string): Promise<void> {
  const res = await ctx.deps.configs.reload(ctx.gh, ctx.owner, ctx.repo, sha);
  ctx.config = res.config;
  const errors = res.errors ?? [];
  await checkRunOnce(ctx, sha, {
    name: 'fleet config',
    status: 'completed',
    conclusion: errors.length ? 'failure' : 'success',
    output: errors.length
      ? {
          title: `${CONFIG_PATH} is invalid; the previous configuration stays in force`,
          summary: errors.map((e) => `- line ${e.line}${e.path ? ` (${e.path})` : ''}: ${e.message}`).join('\n').slice(0, 60_000),
          annotations: errors.slice(0, 50).map((e) => ({
            path: CONFIG_PATH,
            start_line: e.line,
            end_line: e.line,
            annotation_level: 'failure' as const,
            message: `${e.path ? `${e.path}: ` : ''}${e.message}`.slice(0, 60_000),
          })),
        }
      : { title: `${CONFIG_PATH} is valid`, summary: `${res.config.pools.length} pool(s): ${res.config.pools.map((x) => `${x.name} (capacity ${x.capacity})`).join(', ')}` },
  });
}

/** Plan file changed: seed the rows, sync the issues, link numbers, then dispatch what is ready. */
export async function syncPlanFile(ctx: RepoCtx, sha: string): Promise<SyncReport | null> {
  const hooks = ctx.deps.plan;
  if (!hooks) {
    ctx.log.warn({}, 'plan file changed but no plan parser is configured');
    return null;
  }
  const text = await gatewayOf(ctx).readFile(ctx.config.plan, sha);
  if (text === null) return null;
  const parsed = hooks.parse(text);
  if (!parsed.plan || parsed.errors.length) {
    await checkRunOnce(ctx, sha, {
      name: 'fleet plan',
      status: 'completed',
      conclusion: 'failure',
      output: {
        title: `${ctx.config.plan} has ${parsed.errors.length} error(s); nothing was synced`,
        summary: parsed.errors.map((e) => `- line ${e.line}: ${e.message}`).join('\n').slice(0, 60_000),
        annotations: parsed.errors.slice(0, 50).map((e) => ({
          path: ctx.config.plan,
          start_line: Math.max(1, e.line),
          end_line: Math.max(1, e.line),
          annotation_level: 'failure' as const,
          message: e.message.slice(0, 60_000),
        })),
      },
      });
    return null;
  }
  // Issue 15: agents get the task text as synced from this file at this commit; the prompt names both.
  const seeded = await hooks.seed(ctx.project.id, parsed.plan, { path: ctx.config.plan, commit: sha, text });
  // Every issue write is recorded with the delivery; a failure worth retrying fails the delivery
  // (its retry skips what was written), the others are reported.
  const report = await syncPlan(gatewayOf(ctx), ctx.owner, ctx.repo, parsed.plan, {
    log: ctx.log,
    blockedBy: ctx.deps.blockedBy,
    effect: (key, write) => once(ctx, key, write),
    fatal: retryable,
  });
  await linkNumbers(ctx, report);
  await ctx.deps.port.refreshTasks(seeded.taskIds);
  // Issue 15: a paused project stays paused for what the sync added (held tasks, labelled epic issues).
  await ctx.deps.guards?.planSynced(ctx.project.id);
  ctx.log.info({ created: report.created.length, updated: report.updated.length, errors: report.errors.length }, formatSyncReport(report).split('\n')[0]!);
  await dispatchReady(ctx);
  return report;
}

export async function linkNumbers(ctx: Pick<RepoCtx, 'deps' | 'project'>, report: SyncReport): Promise<void> {
  const { port } = ctx.deps;
  for (const [key, iss] of report.issues.epics) await port.linkEpicIssue(ctx.project.id, key, iss.number, iss.nodeId);
  for (const [key, iss] of report.issues.tasks) {
    const t = await port.findTaskByKey(ctx.project.id, key);
    if (t && (t.issueNumber !== iss.number || (iss.nodeId && t.issueNodeId !== iss.nodeId))) await port.linkIssue(t.id, iss.number, iss.nodeId);
  }
}

/** Reports a check run on `sha` once per delivery (a re-run after a crash looks for it first). */
async function checkRunOnce(ctx: RepoCtx, sha: string, run: CheckRunInput): Promise<void> {
  const github = gatewayOf(ctx);
  await onceOrRefused(ctx, `check:${run.name}:${sha}`, () => github.createCheckRun(sha, run).then(() => true), {
    verify: async (_i, startedAt) => {
      const since = startedAt.getTime() - 60_000;
      const runs = await github.listCheckRuns(sha, run.name);
      return runs.some((r) => Date.parse(r.completedAt ?? r.startedAt ?? '') >= since) ? true : undefined;
    },
  });
}
