import type { Task } from '../engine/types.js';
import type { FleetPort } from './ports.js';
import type { GitHubClient, Logger } from './types.js';
import { errorText, silentLogger } from './types.js';
import type { GitHubGateway, ReconcileIssueNode as IssueNode, ReconcileNodes, ReconcilePrNode as PrNode } from './gateway/gitHubGateway.js';
import { octokitGateway } from './gateway/octokitGateway.js';

/**
 * Repairs what lost webhooks left wrong: reads the open task issues and their pull requests in
 * GraphQL batches (one request per 50 tasks) and applies what GitHub says happened.
 */

export interface Repair {
  key: string;
  from: string;
  to: string;
  why: string;
}

export interface ReconcileReport {
  checked: number;
  repaired: Repair[];
  errors: string[];
  graphqlCalls: number;
}

/** The GraphQL document for one batch (kept here for callers that print or test it). */
export { reconcileQuery } from './gateway/queries.js';

export async function reconcile(
  gh: GitHubClient | GitHubGateway,
  port: FleetPort,
  project: { id: number; owner: string; repo: string },
  opts: { batchSize?: number; log?: Logger; dryRun?: boolean } = {},
): Promise<ReconcileReport> {
  const log = opts.log ?? silentLogger;
  const github = 'reconcileNodes' in gh ? gh : octokitGateway(gh, project.owner, project.repo);
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 50, 100));
  const tasks = await port.openTasksWithIssues(project.id);
  const report: ReconcileReport = { checked: 0, repaired: [], errors: [], graphqlCalls: 0 };
  for (let i = 0; i < tasks.length; i += batchSize) {
    const batch = tasks.slice(i, i + batchSize);
    let repo: ReconcileNodes;
    try {
      report.graphqlCalls++;
      // A partial answer (one issue deleted or transferred) still carries the rest.
      repo = (await github.reconcileNodes(batch)).nodes;
    } catch (err) {
      report.errors.push(`batch ${i / batchSize + 1}: ${errorText(err)}`);
      continue;
    }
    for (const task of batch) {
      report.checked++;
      try {
        const r = await repairOne(port, task, repo, !!opts.dryRun);
        if (r) report.repaired.push(r);
      } catch (err) {
        report.errors.push(`${task.key}: ${errorText(err)}`);
      }
    }
  }
  if (report.repaired.length) log.info({ repaired: report.repaired.length }, 'reconciliation repaired tasks');
  return report;
}

async function repairOne(port: FleetPort, task: Task, repo: ReconcileNodes, dryRun: boolean): Promise<Repair | null> {
  const issue = task.issueNumber !== null ? (repo[`i${task.issueNumber}`] as IssueNode | null | undefined) : undefined;
  const prs: PrNode[] = [];
  if (task.prNumber !== null) {
    const pr = repo[`p${task.prNumber}`] as PrNode | null | undefined;
    if (pr) prs.push(pr);
  }
  for (const n of issue?.closedByPullRequestsReferences?.nodes ?? []) if (n && !prs.some((p) => p.number === n.number)) prs.push(n);
  const merged = prs.find((p) => p.merged || p.state === 'MERGED');
  const open = prs.find((p) => p.state === 'OPEN' && !p.isDraft);
  const rep = (to: string, why: string): Repair => ({ key: task.key, from: task.status, to, why });

  if (merged) {
    if (dryRun) return rep('done', `PR #${merged.number} was merged`);
    await port.linkPullRequest(task.id, merged.number, merged.headRefName || null);
    const r = await port.markDone(task.id, `reconciled: PR #${merged.number} merged`);
    return r.changed ? rep('done', `PR #${merged.number} was merged`) : null;
  }
  if (issue && issue.state === 'CLOSED') {
    const cancelled = issue.stateReason === 'NOT_PLANNED' || issue.stateReason === 'DUPLICATE';
    if (dryRun) return rep(cancelled ? 'cancelled' : 'done', `issue #${issue.number} is closed`);
    const r = cancelled
      ? await port.markCancelled(task.id, `reconciled: issue #${issue.number} closed as not planned`)
      : await port.markDone(task.id, `reconciled: issue #${issue.number} closed`);
    return r.changed ? rep(cancelled ? 'cancelled' : 'done', `issue #${issue.number} is closed`) : null;
  }
  if (open && ['pending', 'assigned', 'in_progress'].includes(task.status)) {
    if (dryRun) return rep('in_review', `PR #${open.number} is open`);
    await port.linkPullRequest(task.id, open.number, open.headRefName || null);
    const r = await port.markInReview(task.id);
    return r.changed ? rep('in_review', `PR #${open.number} is open`) : null;
  }
  if (task.status === 'in_review' && task.prNumber !== null && !open && prs.length && prs.every((p) => p.state === 'CLOSED')) {
    if (dryRun) return rep('pending', `PR #${task.prNumber} was closed without merging`);
    const r = await port.reopen(task.id, `reconciled: PR #${task.prNumber} closed without merging`);
    return r.changed ? rep('pending', `PR #${task.prNumber} was closed without merging`) : null;
  }
  return null;
}
