import type { RepoCtx } from '../context.js';
import { errorText, httpStatus } from '../types.js';
import { checkConclusion, type ChecksState } from '../../core/mergeOrder.js';

/**
 * What the merge queue asks GitHub: one GraphQL query for everything about a PR (node id, head,
 * base, latest opinionated reviews by people with write access, and the head's check rollup with
 * which contexts branch protection requires), and the REST calls that act on it.
 */

export interface PrState {
  nodeId: string;
  number: number;
  open: boolean;
  merged: boolean;
  mergeSha: string | null;
  draft: boolean;
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

export const PR_STATE_QUERY = `query fleetMergeQueuePr($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      id number state isDraft merged url headRefOid baseRefName
      mergeCommit { oid }
      mergeQueueEntry { position state }
      latestOpinionatedReviews(first: 100, writersOnly: true) { nodes { state author { login } } }
      commits(last: 1) { nodes { commit { oid statusCheckRollup { state contexts(first: 100) { nodes {
        __typename
        ... on CheckRun { name status conclusion isRequired(pullRequestNumber: $number) }
        ... on StatusContext { context state isRequired(pullRequestNumber: $number) }
      } } } } } }
    }
  }
}`;

export interface CheckContext {
  __typename?: string;
  name?: string;
  status?: string;
  conclusion?: string | null;
  context?: string;
  state?: string;
  isRequired?: boolean;
}

interface GqlPr {
  id: string;
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  merged: boolean;
  url?: string;
  headRefOid: string;
  baseRefName: string;
  mergeCommit?: { oid?: string } | null;
  mergeQueueEntry?: { position?: number | null; state?: string } | null;
  latestOpinionatedReviews?: { nodes?: ({ state?: string; author?: { login?: string } | null } | null)[] } | null;
  commits?: { nodes?: ({ commit?: { oid?: string; statusCheckRollup?: { state?: string; contexts?: { nodes?: (CheckContext | null)[] } | null } | null } } | null)[] } | null;
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
  const res = await ctx.gh.graphql<{ repository?: { pullRequest?: GqlPr | null } | null }>(PR_STATE_QUERY, {
    owner: ctx.owner,
    repo: ctx.repo,
    number,
  });
  const pr = res.repository?.pullRequest;
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

/** How many commits of the base the head lacks. */
export async function behindBy(ctx: RepoCtx, base: string, headSha: string): Promise<number> {
  const res = await ctx.gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
    owner: ctx.owner,
    repo: ctx.repo,
    basehead: `${base}...${headSha}`,
    per_page: 1,
  });
  return Number((res.data as { behind_by?: number }).behind_by ?? 0);
}

export async function updateBranch(ctx: RepoCtx, prNumber: number, expectedHeadSha: string): Promise<void> {
  await ctx.gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch', {
    owner: ctx.owner,
    repo: ctx.repo,
    pull_number: prNumber,
    expected_head_sha: expectedHeadSha,
  });
}

export async function mergePr(ctx: RepoCtx, prNumber: number, sha: string): Promise<{ merged: boolean; sha: string | null; message: string }> {
  const res = await ctx.gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', {
    owner: ctx.owner,
    repo: ctx.repo,
    pull_number: prNumber,
    merge_method: ctx.config.merge.method,
    sha,
  });
  const d = res.data as { merged?: boolean; sha?: string; message?: string };
  return { merged: d.merged !== false, sha: d.sha ?? null, message: d.message ?? '' };
}

export const ENQUEUE_MUTATION = `mutation fleetEnqueue($id: ID!, $head: GitObjectID) {
  enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $head }) { mergeQueueEntry { position state } }
}`;

export const DEQUEUE_MUTATION = `mutation fleetDequeue($id: ID!) {
  dequeuePullRequest(input: { id: $id }) { mergeQueueEntry { position state } }
}`;

export async function enqueueNative(ctx: RepoCtx, nodeId: string, headSha: string | null): Promise<{ position: number | null; state: string | null }> {
  const res = await ctx.gh.graphql<{ enqueuePullRequest?: { mergeQueueEntry?: { position?: number | null; state?: string } | null } | null }>(
    ENQUEUE_MUTATION,
    { id: nodeId, head: headSha },
  );
  const e = res.enqueuePullRequest?.mergeQueueEntry;
  return { position: e?.position ?? null, state: e?.state ?? null };
}

export async function dequeueNative(ctx: RepoCtx, nodeId: string): Promise<void> {
  await ctx.gh.graphql(DEQUEUE_MUTATION, { id: nodeId });
}

export async function commentOnPr(ctx: RepoCtx, prNumber: number, body: string): Promise<void> {
  try {
    await ctx.gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: ctx.owner,
      repo: ctx.repo,
      issue_number: prNumber,
      body: body.slice(0, 60_000),
    });
  } catch (err) {
    ctx.log.warn({ pr: prNumber, err: errorText(err) }, 'merge queue: could not comment on the pull request');
  }
}

/** GitHub's own words for a refused call, without tokens: "405 Pull Request is not mergeable". */
export function refusalText(err: unknown): string {
  const status = httpStatus(err);
  const data = (err as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  const msg = typeof data?.message === 'string' ? data.message : errorText(err);
  return `${status ? `${status} ` : ''}${msg}`.slice(0, 300);
}
