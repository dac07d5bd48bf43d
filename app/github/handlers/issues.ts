import type { RepoCtx } from '../context.js';
import type { WebhookPayload } from './payloads.js';
import { dispatchReady } from '../dispatch/dispatchReady.js';
import { readMarker, TASK_LABEL } from '../planSync/index.js';
import { commentOnce } from '../effects/writes.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { roleAtLeast } from '../commands/permissions.js';

/** `Depends on: #12, #15` and `Estimate: 8h` lines of a hand-written task issue. */
export function parseIssueBody(body: unknown): { dependsOn: number[]; estimatedHours?: number } {
  const text = typeof body === 'string' ? body.slice(0, 65_536) : '';
  const dependsOn: number[] = [];
  let estimatedHours: number | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[*_`]/g, '').trim();
    const dep = /^(?:[-*]\s*)?depends\s+on\s*:\s*(.+)$/i.exec(line);
    if (dep) for (const m of dep[1]!.matchAll(/#(\d{1,9})\b/g)) dependsOn.push(Number(m[1]));
    const est = /^(?:[-*]\s*)?estimate\s*:\s*(\d{1,4}(?:\.\d{1,2})?)\s*(h|hrs?|hours?)?\s*$/i.exec(line);
    if (est && estimatedHours === undefined) {
      const h = Number(est[1]);
      if (Number.isFinite(h) && h >= 0 && h <= 10_000) estimatedHours = h;
    }
  }
  return { dependsOn: [...new Set(dependsOn)], ...(estimatedHours !== undefined ? { estimatedHours } : {}) };
}

interface IssuePayload {
  action?: string;
  issue?: {
    number?: number;
    node_id?: string;
    title?: string;
    body?: string | null;
    state?: string;
    state_reason?: string | null;
    labels?: ({ name?: string } | string | null)[];
    pull_request?: unknown;
  };
  label?: { name?: string };
  sender?: { type?: string; login?: string } | null;
}

const labelNames = (p: IssuePayload) => (p.issue?.labels ?? []).map((l) => (typeof l === 'string' ? l : (l?.name ?? ''))).filter(Boolean);

/** issues.opened / edited / labeled / unlabeled / closed / reopened */
type IssueEvents = 'issues.opened' | 'issues.edited' | 'issues.labeled' | 'issues.unlabeled' | 'issues.closed' | 'issues.reopened';

export async function onIssue(ctx: RepoCtx, payload: WebhookPayload<IssueEvents>): Promise<void> {
  // The fields this handler reads, in the shape every one of these events shares.
  const p: IssuePayload = payload;
  const issue = p.issue;
  if (!issue || typeof issue.number !== 'number' || issue.pull_request) return;
  const { port } = ctx.deps;
  const marker = readMarker(issue.body);
  const labels = labelNames(p);
  const isTask = marker?.kind === 'task' || labels.includes(TASK_LABEL);
  if (marker?.kind === 'epic') return; // epics are plan structure, not work
  let task = await port.findTaskByIssue(ctx.project.id, issue.number);
  let dispatch = false;
  const byBot = p.sender?.type === 'Bot';
  // Issue 15: an edit by someone without write access never becomes task text (title or body); a
  // body edit is also flagged on the dashboard.
  const changes = (p as { changes?: { body?: unknown; title?: unknown } }).changes;
  const personEdit = p.action === 'edited' && !!(changes?.body || changes?.title) && !byBot && !!ctx.deps.guards;
  let outsider: boolean | undefined;
  const editedByOutsider = async (): Promise<boolean> => {
    if (!personEdit) return false;
    if (outsider === undefined) {
      const login = p.sender?.login ?? '';
      outsider = !roleAtLeast(login ? await ctx.deps.permissions.role(gatewayOf(ctx), ctx.owner, ctx.repo, login) : 'none', 'write');
    }
    return outsider;
  };

  // A task issue appears (or changes): written by hand, or the plan sync's own issue.
  if (isTask && ['opened', 'edited', 'labeled', 'reopened'].includes(p.action ?? '')) {
    if (marker) {
      const planned = await port.findTaskByKey(ctx.project.id, marker.key);
      if (planned) {
        // Plan-managed: the plan is the source of truth; only the link to the issue is kept.
        await port.linkIssue(planned.id, issue.number, issue.node_id ?? null);
        task = planned;
      }
    }
    // A task synced from the plan keeps the plan's text whatever its issue says (its marker removed
    // included); a hand-written task follows its issue, but not an outsider's edit of it.
    const keepText = task !== null && ((await ctx.deps.guards?.planSourced(task.id)) === true || (await editedByOutsider()));
    if (!task || (!marker && !byBot && !keepText)) {
      const parsed = parseIssueBody(issue.body);
      const res = await port.upsertTaskFromIssue(ctx.project.id, {
        issueNumber: issue.number,
        issueNodeId: issue.node_id ?? null,
        title: String(issue.title ?? ''),
        body: String(issue.body ?? ''),
        estimatedHours: parsed.estimatedHours,
        dependsOnIssues: parsed.dependsOn,
        key: marker?.key,
      });
      task = res.task;
      dispatch = true;
      if (res.unknownDependencies.length && (p.action === 'opened' || p.action === 'labeled')) {
        await comment(
          ctx,
          issue.number,
          'unknown-dependencies',
          `Fleet: this task depends on ${res.unknownDependencies.map((n) => `#${n}`).join(', ')}, which ${
            res.unknownDependencies.length === 1 ? 'is not a fleet task' : 'are not fleet tasks'
          }; label ${res.unknownDependencies.length === 1 ? 'it' : 'them'} \`${TASK_LABEL}\` and edit this issue to link them.`,
        );
      }
    }
  }
  if (!task) return;
  // Issue 15: an issue body edited by someone without write access is flagged (the agent never reads it).
  if (ctx.deps.guards && changes?.body && (await editedByOutsider())) await ctx.deps.guards.flagUntrustedEdit(ctx.project.id, issue.number, p.sender?.login || 'unknown');

  switch (p.action) {
    case 'closed': {
      const reason = issue.state_reason ?? 'completed';
      if (reason === 'not_planned' || reason === 'duplicate') await port.markCancelled(task.id, `issue #${issue.number} closed as ${reason}`);
      else await port.markDone(task.id, `issue #${issue.number} closed as completed`);
      dispatch = true;
      break;
    }
    case 'reopened':
      await port.reopen(task.id, `issue #${issue.number} reopened`);
      dispatch = true;
      break;
    case 'labeled':
    case 'unlabeled': {
      // Steering labels are for people; the app's own pool label must not pin the task.
      if (byBot) break;
      const name = p.label?.name ?? '';
      const on = p.action === 'labeled';
      const pool = /^fleet:pool\/(.+)$/.exec(name)?.[1];
      const prio = /^fleet:priority\/p([0-3])$/.exec(name)?.[1];
      if (pool) {
        if (on && !ctx.config.pools.some((x) => x.name === pool)) {
          await comment(
            ctx,
            issue.number,
            'unknown-pool',
            `Fleet: there is no pool \`${pool.slice(0, 64)}\` in \`.github/fleet.yml\`; pools: ${ctx.config.pools.map((x) => `\`${x.name}\``).join(', ')}.`,
          );
          break;
        }
        if (on) await port.setRequiredPool(task.id, pool);
        else if (task.requiredPool === pool) await port.setRequiredPool(task.id, null);
        dispatch = true;
      } else if (prio !== undefined) {
        if (on) await port.setPriority(task.id, Number(prio));
        else if (task.priority === Number(prio)) await port.setPriority(task.id, 2);
        dispatch = true;
      } else if (name === 'fleet:hold') {
        await port.setHeld(task.id, on);
        dispatch = !on;
      }
      break;
    }
    default:
      break;
  }
  if (dispatch) await dispatchReady(ctx);
}

/** A note on the issue, written once per delivery and purpose (app/github/effects.ts). */
export async function comment(ctx: RepoCtx, issueNumber: number, purpose: string, body: string): Promise<void> {
  await commentOnce(ctx, `comment:${issueNumber}:${purpose}`, issueNumber, body);
}
