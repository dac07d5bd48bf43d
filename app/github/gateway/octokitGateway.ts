import type { GitHubClient } from '../types.js';
import { httpStatus } from '../types.js';
import type {
  AnnotationRecord,
  CheckRunInput,
  CheckRunRecord,
  CommentRecord,
  DispatchedRun,
  GitHubGateway,
  IssueLink,
  IssueRecord,
  MergeabilityRecord,
  MergePullRequestNode,
  MergeResult,
  ReactionContent,
  ReconcileNodes,
  ReviewCommentRecord,
  WorkflowRunRecord,
} from './gitHubGateway.js';
import { issueDependenciesMissing, lacks, markLacking, runDetailsRefused } from './ghesFallbacks.js';
import { DEQUEUE_MUTATION, ENQUEUE_MUTATION, PR_STATE_QUERY, linkIssuesMutation, reconcileQuery } from './queries.js';

interface RawIssue {
  number: number;
  id: number;
  node_id?: string;
  title: string;
  body?: string | null;
  state: string;
  labels?: (string | { name?: string })[];
  pull_request?: unknown;
  parent_issue_url?: string | null;
}

/** An issue as the REST API returns it, reduced to what the app keeps. */
export function issueRecord(i: RawIssue): IssueRecord {
  let parentNumber: number | null | undefined;
  if (i.parent_issue_url === null) parentNumber = null;
  else if (typeof i.parent_issue_url === 'string') parentNumber = Number(/\/issues\/(\d+)$/.exec(i.parent_issue_url)?.[1]) || undefined;
  return {
    number: i.number,
    id: i.id,
    nodeId: i.node_id,
    title: i.title,
    body: i.body ?? '',
    state: i.state === 'closed' ? 'closed' : 'open',
    labels: (i.labels ?? []).map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
    parentNumber,
  };
}

/** A check run as the checks API returns it, reduced to what the feedback loop keeps. */
function checkRunRecord(c: { id: number | bigint; name: string; conclusion?: string | null; head_sha?: string; html_url?: string | null; details_url?: string | null; output?: { title?: string | null; summary?: string | null } }): CheckRunRecord {
  return {
    id: Number(c.id),
    name: c.name,
    conclusion: c.conclusion ?? null,
    headSha: c.head_sha ?? null,
    url: c.html_url ?? c.details_url ?? null,
    title: c.output?.title ?? null,
    summary: c.output?.summary ?? null,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A read that 404 or 403 refuses counts as "nothing there"; other errors propagate. */
async function readable(read: () => Promise<string[]>): Promise<string[]> {
  try {
    return await read();
  } catch (err) {
    const s = httpStatus(err);
    if (s === 404 || s === 403) return [];
    throw err;
  }
}


/**
 * The gateway over an authenticated Octokit (an installation's, or a token's). `server` keys what
 * the server was found to lack (./ghesFallbacks.ts); the app passes its deps object, so one app's
 * findings stay with it.
 */
export function octokitGateway(gh: GitHubClient, owner: string, repo: string, server: object = gh): GitHubGateway {
  const r = { owner, repo };
  return {
    owner,
    repo,

    async listIssuesByLabel(label) {
      const out: IssueRecord[] = [];
      for (let page = 1; page <= 100; page++) {
        const res = await gh.request('GET /repos/{owner}/{repo}/issues', { ...r, state: 'all', labels: label, per_page: 100, page });
        const items = res.data as unknown as RawIssue[];
        for (const i of items) if (!i.pull_request) out.push(issueRecord(i));
        if (items.length < 100) break;
      }
      return out;
    },

    async createIssue(issue) {
      const res = await gh.request('POST /repos/{owner}/{repo}/issues', { ...r, title: issue.title, body: issue.body, labels: issue.labels });
      // A new issue has no parent yet.
      return issueRecord({ ...(res.data as unknown as RawIssue), parent_issue_url: null });
    },

    async updateIssue(issueNumber, patch) {
      await gh.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        ...r,
        issue_number: issueNumber,
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.body !== undefined ? { body: patch.body } : {}),
      });
    },

    async addLabels(issueNumber, labels) {
      await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...r, issue_number: issueNumber, labels });
    },

    async removeLabel(issueNumber, label) {
      try {
        await gh.request('DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}', { ...r, issue_number: issueNumber, name: label });
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err;
      }
    },

    async cancelWorkflowRun(runId) {
      try {
        await gh.request('POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel', { ...r, run_id: runId });
        return 'cancelled';
      } catch (err) {
        // 409: the run has already completed; nothing left to cancel.
        if ((err as { status?: number }).status === 409) return 'finished';
        throw err;
      }
    },

    async listLabels(issueNumber) {
      const res = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/labels', { ...r, issue_number: issueNumber, per_page: 100 });
      return ((res.data ?? []) as { name?: string }[]).map((l) => l.name ?? '').filter(Boolean);
    },

    async createComment(issueNumber, body) {
      const res = await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...r, issue_number: issueNumber, body });
      return { id: num((res.data as { id?: unknown } | undefined)?.id) };
    },

    async listCommentsSince(issueNumber, since, maxPages = 5) {
      const out: CommentRecord[] = [];
      for (let page = 1; page <= maxPages; page++) {
        const res = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...r, issue_number: issueNumber, since, per_page: 100, page });
        const list = (res.data ?? []) as { id?: number; body?: string; user?: { type?: string } | null }[];
        for (const c of list) out.push({ id: c.id ?? null, body: c.body ?? '', byBot: c.user?.type === 'Bot' });
        if (list.length < 100) break;
      }
      return out;
    },

    async addReaction(commentId, content: ReactionContent) {
      await gh.request('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...r, comment_id: commentId, content });
    },

    async hasBotReaction(commentId, content) {
      // GitHub keeps one reaction per person and content; a bot's reaction of this kind is ours.
      const res = await gh.request('GET /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', { ...r, comment_id: commentId, content, per_page: 100 });
      return ((res.data ?? []) as { user?: { type?: string } | null }[]).some((x) => x.user?.type === 'Bot');
    },

    async addSubIssue(parentNumber, childId) {
      await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues', { ...r, issue_number: parentNumber, sub_issue_id: childId });
    },

    async addBlockedBy(issueNumber, blockerId) {
      try {
        await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/dependencies/blocked_by', { ...r, issue_number: issueNumber, issue_id: blockerId });
        return 'added';
      } catch (err) {
        if (issueDependenciesMissing(err)) return 'unsupported';
        throw err;
      }
    },

    async linkIssues(links: readonly IssueLink[]) {
      if (!links.length) return;
      const { query, variables } = linkIssuesMutation(links);
      await gh.graphql(query, variables);
    },

    async createCheckRun(headSha, run: CheckRunInput) {
      await gh.request('POST /repos/{owner}/{repo}/check-runs', { ...r, head_sha: headSha, ...run } as Parameters<typeof gh.request<'POST /repos/{owner}/{repo}/check-runs'>>[1]);
    },

    async listCheckRuns(ref, name) {
      const res = await gh.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', { ...r, ref, check_name: name, per_page: 100 });
      const runs = (res.data as { check_runs?: { started_at?: string | null; completed_at?: string | null }[] })?.check_runs ?? [];
      return runs.map((x) => ({ startedAt: x.started_at ?? null, completedAt: x.completed_at ?? null }));
    },

    async checkRunsOfSuite(suiteId): Promise<CheckRunRecord[]> {
      const res = await gh.request('GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs', { ...r, check_suite_id: suiteId, filter: 'latest', per_page: 100 });
      return (res.data.check_runs ?? []).map(checkRunRecord);
    },

    async checkRunAnnotations(checkRunId, max = 50): Promise<AnnotationRecord[]> {
      const res = await gh.request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations', { ...r, check_run_id: checkRunId, per_page: Math.min(50, max) });
      return res.data.slice(0, max).map((a) => ({ path: a.path, line: a.start_line ?? null, level: a.annotation_level ?? null, title: a.title ?? null, message: a.message ?? '' }));
    },

    async requiredChecks(branch) {
      // Branch protection and rulesets both require checks, and a repository may use either or
      // both: the union counts. Both reads need only read access (the protection endpoints
      // themselves would need administration). A branch or endpoint that cannot be read (404,
      // 403: no such branch, or a server without rulesets) requires nothing from that source.
      const [fromProtection, fromRules] = await Promise.all([
        readable(async () => {
          const res = await gh.request('GET /repos/{owner}/{repo}/branches/{branch}', { ...r, branch });
          const rc = res.data.protection?.required_status_checks;
          return [...(rc?.contexts ?? []), ...(rc?.checks ?? []).map((c) => c.context)];
        }),
        readable(async () => {
          const names: string[] = [];
          for (let page = 1; page <= 5; page++) {
            const res = await gh.request('GET /repos/{owner}/{repo}/rules/branches/{branch}', { ...r, branch, per_page: 100, page });
            const rules = (res.data ?? []) as { type?: string; parameters?: { required_status_checks?: { context?: string }[] } }[];
            for (const rule of rules) {
              if (rule.type !== 'required_status_checks') continue;
              for (const c of rule.parameters?.required_status_checks ?? []) if (typeof c.context === 'string' && c.context) names.push(c.context);
            }
            if (rules.length < 100) break;
          }
          return names;
        }),
      ]);
      return [...new Set([...fromProtection, ...fromRules])];
    },

    async dispatchWorkflow(workflow, ref, inputs): Promise<DispatchedRun> {
      const params = { ...r, workflow_id: workflow, ref, inputs };
      const route = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches' as const;
      if (!lacks(server, 'return_run_details')) {
        try {
          const res = await gh.request(route, { ...params, return_run_details: true } as typeof params);
          const d = (res.data ?? {}) as { workflow_run_id?: unknown; html_url?: unknown };
          return { runId: num(d.workflow_run_id), url: str(d.html_url) };
        } catch (err) {
          if (!runDetailsRefused(err)) throw err;
          markLacking(server, 'return_run_details');
        }
      }
      await gh.request(route, params);
      return { runId: null, url: null };
    },

    async listDispatchedRuns(workflow, createdSince): Promise<WorkflowRunRecord[]> {
      const res = await gh.request('GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs', {
        ...r,
        workflow_id: workflow,
        event: 'workflow_dispatch',
        created: `>=${createdSince}`,
        per_page: 100,
      });
      const runs = ((res.data as { workflow_runs?: unknown[] })?.workflow_runs ?? []) as { id?: unknown; display_title?: unknown; name?: unknown; html_url?: unknown }[];
      return runs.map((x) => ({ id: num(x.id), displayTitle: str(x.display_title), name: str(x.name), url: str(x.html_url) }));
    },

    async pullRequestForMerge(prNumber) {
      const res = await gh.graphql<{ repository?: { pullRequest?: MergePullRequestNode | null } | null }>(PR_STATE_QUERY, { ...r, number: prNumber });
      return res.repository?.pullRequest ?? null;
    },

    async listPullRequestFiles(prNumber, maxFiles = 3000) {
      const out = new Set<string>();
      for (let page = 1; out.size < maxFiles && page <= Math.ceil(maxFiles / 100); page++) {
        const res = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', { ...r, pull_number: prNumber, per_page: 100, page });
        const list = (res.data ?? []) as { filename?: string; previous_filename?: string }[];
        for (const f of list) for (const name of [f.filename, f.previous_filename]) if (typeof name === 'string' && name) out.add(name);
        if (list.length < 100) break;
      }
      return [...out].slice(0, maxFiles);
    },

    async openPullRequests(base) {
      const res = await gh.request('GET /repos/{owner}/{repo}/pulls', { ...r, state: 'open', base, per_page: 100 });
      return res.data.map((p) => ({ number: p.number, headRef: p.head?.ref ?? null }));
    },

    async pullRequestMergeability(prNumber): Promise<MergeabilityRecord> {
      const res = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...r, pull_number: prNumber });
      const p = res.data;
      return {
        number: p.number,
        state: p.state,
        headRef: p.head?.ref ?? null,
        headSha: p.head?.sha ?? null,
        baseSha: p.base?.sha ?? null,
        mergeable: typeof p.mergeable === 'boolean' ? p.mergeable : null,
        mergeableState: typeof p.mergeable_state === 'string' ? p.mergeable_state : null,
      };
    },

    async reviewComments(prNumber, reviewId): Promise<ReviewCommentRecord[]> {
      const res = await gh.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments', { ...r, pull_number: prNumber, review_id: reviewId, per_page: 100 });
      return res.data.map((c) => ({ path: c.path, line: c.line ?? c.original_line ?? null, body: c.body ?? '' }));
    },

    async behindBy(base, headSha) {
      const res = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { ...r, basehead: `${base}...${headSha}`, per_page: 1 });
      return Number((res.data as { behind_by?: number }).behind_by ?? 0);
    },

    async changedSince(base, head) {
      // With a page size the commits are paged and the files (up to 300) come on the first page.
      const res = await gh.request('GET /repos/{owner}/{repo}/compare/{basehead}', { ...r, basehead: `${base}...${head}`, per_page: 1, page: 1 });
      const d = res.data as { merge_base_commit?: { sha?: string } | null; files?: { filename?: string; previous_filename?: string }[] };
      const files = new Set<string>();
      for (const f of d.files ?? []) for (const name of [f.filename, f.previous_filename]) if (typeof name === 'string' && name) files.add(name);
      return { mergeBaseSha: d.merge_base_commit?.sha ?? null, files: [...files] };
    },

    async updateBranch(prNumber, expectedHeadSha) {
      await gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch', { ...r, pull_number: prNumber, expected_head_sha: expectedHeadSha });
    },

    async mergePullRequest(prNumber, sha, method): Promise<MergeResult> {
      const res = await gh.request('PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge', { ...r, pull_number: prNumber, merge_method: method, sha });
      const d = res.data as { merged?: boolean; sha?: string; message?: string };
      return { merged: d.merged !== false, sha: d.sha ?? null, message: d.message ?? '' };
    },

    async enqueueInMergeQueue(nodeId, headSha) {
      const res = await gh.graphql<{ enqueuePullRequest?: { mergeQueueEntry?: { position?: number | null; state?: string } | null } | null }>(ENQUEUE_MUTATION, {
        id: nodeId,
        head: headSha,
      });
      const e = res.enqueuePullRequest?.mergeQueueEntry;
      return { position: e?.position ?? null, state: e?.state ?? null };
    },

    async dequeueFromMergeQueue(nodeId) {
      await gh.graphql(DEQUEUE_MUTATION, { id: nodeId });
    },

    async readFile(path, ref) {
      try {
        const res = await gh.request('GET /repos/{owner}/{repo}/contents/{path}', { ...r, path, ...(ref ? { ref } : {}), mediaType: { format: 'raw' } });
        const data: unknown = res.data;
        if (typeof data === 'string') return data;
        // Some servers ignore the raw media type and answer with the JSON form.
        const d = data as { content?: string; encoding?: string; type?: string };
        if (d && d.type === 'file' && typeof d.content === 'string') return d.encoding === 'base64' ? Buffer.from(d.content, 'base64').toString('utf8') : d.content;
        return null;
      } catch (err) {
        if (httpStatus(err) === 404) return null;
        throw err;
      }
    },

    async collaboratorPermission(username) {
      try {
        const res = await gh.request('GET /repos/{owner}/{repo}/collaborators/{username}/permission', { ...r, username });
        const d = res.data as { permission?: string; role_name?: string };
        return { permission: d.permission ?? null, roleName: d.role_name ?? null };
      } catch (err) {
        if (httpStatus(err) === 404) return null;
        throw err;
      }
    },

    async reconcileNodes(items) {
      try {
        const data = await gh.graphql<{ repository: ReconcileNodes | null }>(reconcileQuery(items), r);
        return { nodes: data.repository ?? {}, error: null };
      } catch (err) {
        // A partial answer (one issue deleted or transferred) still carries the rest.
        const partial = (err as { data?: { repository?: ReconcileNodes } }).data?.repository;
        if (!partial) throw err;
        return { nodes: partial, error: err };
      }
    },
  };
}
