import type { Logger } from '../types.js';
import { errorText } from '../types.js';
import type { GitHubGateway } from '../gateway/gitHubGateway.js';
import { digest } from '../effects/once.js';
import { issueDependenciesMissing } from '../gateway/ghesFallbacks.js';
import type { ExistingIssue } from './issueBody.js';
import type { SyncAction } from './diff.js';
import { describe, type SyncReport } from './report.js';

const RELATIONS_PER_REQUEST = 25;

export type RelationAction = Extract<SyncAction, { op: 'link-sub-issue' | 'add-blocked-by' }>;
export type Effect = <T>(key: string, write: () => Promise<T>) => Promise<T>;

/** One link over REST, under its own effect key; false where the server has no issue dependencies. */
export async function linkOne(github: GitHubGateway, op: RelationAction['op'], from: ExistingIssue, to: ExistingIssue, effect: Effect): Promise<boolean> {
  if (op === 'link-sub-issue') {
    await effect(`issue:sub:${from.number}:${to.id}`, () => github.addSubIssue(from.number, to.id).then(() => true));
    return true;
  }
  try {
    const r = await effect(`issue:blocked_by:${from.number}:${to.id}`, () => github.addBlockedBy(from.number, to.id));
    // Runs recorded before the gateway stored `true` for an added link.
    return r !== 'unsupported';
  } catch (err) {
    // ...and a refusal for a server without dependencies.
    if (issueDependenciesMissing(err)) return false;
    throw err;
  }
}

/**
 * Sub-issue and blocked-by links as aliased GraphQL mutations, 25 per request, instead of one
 * REST call each. A batch GraphQL refuses (GitHub Enterprise Server without the mutations:
 * app/github/gateway/ghesFallbacks.ts) is retried link by link over REST, where an unsupported
 * blocked-by is skipped.
 */
export async function linkRelationsBatched(
  github: GitHubGateway,
  relations: RelationAction[],
  byKey: { epic: Map<string, ExistingIssue>; task: Map<string, ExistingIssue> },
  report: SyncReport,
  log: Logger,
  effect: Effect,
  fatal: (err: unknown) => boolean,
): Promise<void> {
  type Rel = { a: RelationAction; from: ExistingIssue; to: ExistingIssue };
  const rels: Rel[] = [];
  for (const a of relations) {
    const from = a.op === 'link-sub-issue' ? byKey.epic.get(a.epicKey) : byKey.task.get(a.taskKey);
    const to = a.op === 'link-sub-issue' ? byKey.task.get(a.taskKey) : byKey.task.get(a.blockedByKey);
    if (from && to) rels.push({ a, from, to });
  }
  for (let i = 0; i < rels.length; i += RELATIONS_PER_REQUEST) {
    const batch = rels.slice(i, i + RELATIONS_PER_REQUEST);
    let ok = batch.every((r) => r.from.nodeId && r.to.nodeId);
    if (ok) {
      const links = batch.map((r) => ({ kind: r.a.op === 'link-sub-issue' ? ('sub-issue' as const) : ('blocked-by' as const), fromNodeId: r.from.nodeId ?? '', toNodeId: r.to.nodeId ?? '' }));
      // The key names the same variables as before the gateway, so recorded runs still match.
      const vars = Object.fromEntries(links.flatMap((l, j) => [[`a${j}`, l.fromNodeId], [`b${j}`, l.toNodeId]]));
      try {
        await effect(`issue:links:${digest(vars)}`, () => github.linkIssues(links).then(() => true));
      } catch (err) {
        if (fatal(err)) throw err;
        ok = false;
        log.info({ err: errorText(err) }, 'batched issue links refused; linking one by one');
      }
    }
    for (const r of batch) {
      if (!ok) {
        try {
          if (!(await linkOne(github, r.a.op, r.from, r.to, effect))) continue;
        } catch (err) {
          if (fatal(err)) throw err;
          report.errors.push(`${describe(r.a)}: ${errorText(err)}`);
          continue;
        }
      }
      if (r.a.op === 'link-sub-issue') report.linked.push({ epicKey: r.a.epicKey, taskKey: r.a.taskKey });
      else report.blockedBy.push({ taskKey: r.a.taskKey, blockedByKey: r.a.blockedByKey });
    }
  }
}
