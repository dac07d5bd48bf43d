import type { RepoCtx } from '../context.js';
import { errorText, httpStatus } from '../types.js';
import { checkConclusion, type ChecksState } from '../../core/mergeOrder.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { CheckContext } from '../gateway/gitHubGateway.js';

export type { CheckContext } from '../gateway/gitHubGateway.js';

/**
 * A pull request as the merge queue judges it: from the gateway's one GraphQL query (node id,
 * head, base, latest opinionated reviews by people with write access, and the head's check rollup
 * with which contexts branch protection requires), reduced to approvals and one checks state.
 */

export interface PrState {
  nodeId: string;
  number: number;
  open: boolean;
  merged: boolean;
  mergeSha: string | null;
  draft: boolean;
  /** GitHub's word on a conflict with the base; 'UNKNOWN' while it computes (or when not told). */
  mergeable: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN';
  headSha: string;
  baseRef: string;
  url: string | null;
  approvals: number;
  changesRequestedBy: string[];
  checks: ChecksState;
  /** Failing (when checks = failure) or still running (pending) check names. */
  checkNames: string[];
  /** Names of the relevant checks present on the head (required ones, else all). */
  seenChecks: string[];
  inNativeQueue: boolean;
  nativePosition: number | null;
  /** The head's check contexts as GitHub reported them (to judge again with other expectations). */
  contexts: CheckContext[];
}

const PENDING_STATUS = new Set(['PENDING', 'EXPECTED']);

/** Reduces a head's check contexts to one state, counting required ones when any are required. */
export function checksOf(contexts: readonly CheckContext[], expected: readonly string[]): { checks: ChecksState; names: string[]; seen: string[] } {
  const latest = new Map<string, { done: boolean; green: boolean; required: boolean }>();
  for (const c of contexts) {
    if (c.__typename === 'StatusContext' || (c.context !== undefined && c.name === undefined)) {
      const st = String(c.state ?? '').toUpperCase();
      latest.set(String(c.context), { done: !PENDING_STATUS.has(st), green: st === 'SUCCESS', required: !!c.isRequired });
    } else {
      const done = String(c.status ?? '').toUpperCase() === 'COMPLETED';
      const conclusion = String(c.conclusion ?? '').toUpperCase();
      latest.set(String(c.name), { done, green: done && checkConclusion(conclusion) === 'success', required: !!c.isRequired });
    }
  }
  const anyRequired = [...latest.values()].some((c) => c.required);
  const relevant = [...latest].filter(([, c]) => !anyRequired || c.required);
  const failing = relevant.filter(([, c]) => c.done && !c.green).map(([n]) => n);
  const pending = relevant.filter(([, c]) => !c.done).map(([n]) => n);
  // An updated head must hear again from every check the previous head had.
  const missing = expected.filter((n) => !latest.has(n));
  const seen = relevant.map(([n]) => n).sort();
  if (failing.length) return { checks: 'failure', names: failing.sort(), seen };
  if (pending.length || missing.length) return { checks: 'pending', names: [...pending, ...missing].sort(), seen };
  return { checks: relevant.length ? 'success' : 'none', names: [], seen };
}

export async function fetchPrState(ctx: RepoCtx, number: number, expectedChecks: readonly string[] = []): Promise<PrState | null> {
  const pr = await gatewayOf(ctx).pullRequestForMerge(number);
  if (!pr) return null;
  const latest = new Map<string, string>();
  for (const r of pr.latestOpinionatedReviews?.nodes ?? []) {
    if (r?.state) latest.set(r.author?.login ?? `unknown-${latest.size}`, r.state.toUpperCase());
  }
  const approvals = [...latest.values()].filter((s) => s === 'APPROVED').length;
  const changesRequestedBy = [...latest].filter(([, s]) => s === 'CHANGES_REQUESTED').map(([l]) => l);
  const commit = pr.commits?.nodes?.[0]?.commit;
  const contexts = (commit?.statusCheckRollup?.contexts?.nodes ?? []).filter((c): c is CheckContext => !!c);
  // Checks of another commit than the head (never expected) count as not yet reported.
  const headContexts = commit?.oid && commit.oid !== pr.headRefOid ? [] : contexts;
  return withExpectedChecks({
    nodeId: pr.id,
    number: pr.number,
    open: pr.state === 'OPEN',
    merged: pr.merged || pr.state === 'MERGED',
    mergeSha: pr.mergeCommit?.oid ?? null,
    draft: pr.isDraft,
    mergeable: pr.mergeable === 'MERGEABLE' || pr.mergeable === 'CONFLICTING' ? pr.mergeable : 'UNKNOWN',
    headSha: pr.headRefOid,
    baseRef: pr.baseRefName,
    url: pr.url ?? null,
    approvals,
    changesRequestedBy,
    checks: 'none',
    checkNames: [],
    seenChecks: [],
    inNativeQueue: !!pr.mergeQueueEntry,
    nativePosition: pr.mergeQueueEntry?.position ?? null,
    contexts: headContexts,
  }, expectedChecks);
}

/** The same PR judged against the checks an earlier head had (they must report on this one too). */
export function withExpectedChecks(pr: PrState, expected: readonly string[]): PrState {
  const { checks, names, seen } = checksOf(pr.contexts, expected);
  return { ...pr, checks, checkNames: names, seenChecks: seen };
}

/** GitHub's own words for a refused call, without tokens: "405 Pull Request is not mergeable". */
export function refusalText(err: unknown): string {
  const status = httpStatus(err);
  const data = (err as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  const msg = typeof data?.message === 'string' ? data.message : errorText(err);
  return `${status ? `${status} ` : ''}${msg}`.slice(0, 300);
}
