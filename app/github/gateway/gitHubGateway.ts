/**
 * Everything the app asks of GitHub, for one repository, behind one interface (in the manner of
 * release-please's `Scm`): issues, labels, comments, reactions, sub-issue and blocked-by links,
 * check runs, workflow dispatch and runs, pull requests and the merge queue, file contents,
 * permissions. `octokitGateway` (./octokitGateway.ts) is the one implementation; what differs on
 * GitHub Enterprise Server is decided in ./ghesFallbacks.ts. Callers get plain records, never
 * Octokit responses; errors are Octokit's (with `status`), so the effects log can judge them.
 */

export interface IssueRecord {
  number: number;
  /** Database id: what the sub-issue and dependency endpoints take. */
  id: number;
  nodeId?: string | undefined;
  title: string;
  body: string;
  state: 'open' | 'closed';
  labels: string[];
  /** Number of the parent issue when the API said; null when it said there is none. */
  parentNumber?: number | null | undefined;
}

export interface CommentRecord {
  id: number | null;
  body: string;
  byBot: boolean;
}

export type ReactionContent = '+1' | 'confused' | 'eyes';

export interface CheckRunInput {
  name: string;
  status: 'completed';
  conclusion: 'success' | 'failure';
  output: { title: string; summary: string; annotations?: unknown[] };
}

export interface WorkflowRunRecord {
  id: number | null;
  displayTitle: string | null;
  name: string | null;
  url: string | null;
}

export interface DispatchedRun {
  runId: number | null;
  url: string | null;
}

/** One sub-issue or blocked-by link, by GraphQL node ids. */
export interface IssueLink {
  kind: 'sub-issue' | 'blocked-by';
  fromNodeId: string;
  toNodeId: string;
}

/** A check context of a pull request's head, as GraphQL reports it. */
export interface CheckContext {
  __typename?: string;
  name?: string;
  status?: string;
  conclusion?: string | null;
  context?: string;
  state?: string;
  isRequired?: boolean;
}

/** The merge queue's view of a pull request (app/github/gateway/queries.ts PR_STATE_QUERY). */
export interface MergePullRequestNode {
  id: string;
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  isDraft: boolean;
  merged: boolean;
  /** MERGEABLE, CONFLICTING, or UNKNOWN while GitHub computes it (after a push to the base). */
  mergeable?: 'MERGEABLE' | 'CONFLICTING' | 'UNKNOWN' | null;
  url?: string;
  headRefOid: string;
  baseRefName: string;
  mergeCommit?: { oid?: string } | null;
  mergeQueueEntry?: { position?: number | null; state?: string } | null;
  latestOpinionatedReviews?: { nodes?: ({ state?: string; author?: { login?: string } | null } | null)[] } | null;
  commits?: { nodes?: ({ commit?: { oid?: string; statusCheckRollup?: { state?: string; contexts?: { nodes?: (CheckContext | null)[] } | null } | null } } | null)[] } | null;
}

export interface ReconcilePrNode {
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  merged: boolean;
  isDraft: boolean;
  headRefName: string;
}

export interface ReconcileIssueNode {
  number: number;
  state: 'OPEN' | 'CLOSED';
  stateReason: string | null;
  closedByPullRequestsReferences?: { nodes: (ReconcilePrNode | null)[] } | null;
}

/** `i<number>` issues and `p<number>` pull requests of one reconcile batch. */
export type ReconcileNodes = Record<string, ReconcileIssueNode | ReconcilePrNode | null>;

/** A completed check run, as the feedback loop reads it (#14). */
export interface CheckRunRecord {
  id: number;
  name: string;
  conclusion: string | null;
  headSha: string | null;
  url: string | null;
  title: string | null;
  summary: string | null;
}

/** One check-run annotation: where and what. */
export interface AnnotationRecord {
  path: string;
  line: number | null;
  level: string | null;
  title: string | null;
  message: string;
}

/** One comment of a pull-request review. */
export interface ReviewCommentRecord {
  path: string;
  line: number | null;
  body: string;
}

/** An open pull request's branch and mergeability (`mergeable` null while GitHub computes it). */
export interface MergeabilityRecord {
  number: number;
  state: string;
  headRef: string | null;
  headSha: string | null;
  baseSha: string | null;
  mergeable: boolean | null;
  mergeableState: string | null;
}

export interface MergeResult {
  merged: boolean;
  sha: string | null;
  message: string;
}

export interface GitHubGateway {
  readonly owner: string;
  readonly repo: string;

  // ---- issues, labels, comments, reactions
  /** Issues (open and closed) with the label, pull requests left out. */
  listIssuesByLabel(label: string): Promise<IssueRecord[]>;
  createIssue(issue: { title: string; body: string; labels: string[] }): Promise<IssueRecord>;
  updateIssue(issueNumber: number, patch: { title?: string | undefined; body?: string | undefined }): Promise<void>;
  addLabels(issueNumber: number, labels: string[]): Promise<void>;
  listLabels(issueNumber: number): Promise<string[]>;
  /** Removes one label; an issue without it is left as it is (GitHub answers 404). */
  removeLabel(issueNumber: number, label: string): Promise<void>;
  createComment(issueNumber: number, body: string): Promise<{ id: number | null }>;
  /** Comments since `since` (ISO time), at most `maxPages` pages of 100. */
  listCommentsSince(issueNumber: number, since: string, maxPages?: number): Promise<CommentRecord[]>;
  addReaction(commentId: number, content: ReactionContent): Promise<void>;
  /** Whether a bot (the app) has this reaction on the comment. */
  hasBotReaction(commentId: number, content: ReactionContent): Promise<boolean>;

  // ---- issue relations
  addSubIssue(parentNumber: number, childId: number): Promise<void>;
  /** 'unsupported' where the server has no issue dependencies (older GitHub Enterprise Server). */
  addBlockedBy(issueNumber: number, blockerId: number): Promise<'added' | 'unsupported'>;
  /** Several links in one GraphQL request (aliased mutations). */
  linkIssues(links: readonly IssueLink[]): Promise<void>;

  // ---- check runs
  createCheckRun(headSha: string, run: CheckRunInput): Promise<void>;
  listCheckRuns(ref: string, name: string): Promise<{ startedAt: string | null; completedAt: string | null }[]>;
  /** The latest check runs of a check suite. */
  checkRunsOfSuite(suiteId: number): Promise<CheckRunRecord[]>;
  /** A check run's first `max` annotations (at most 50: one page). */
  checkRunAnnotations(checkRunId: number, max?: number): Promise<AnnotationRecord[]>;
  /**
   * Names of the status checks the branch requires, through its protection or a ruleset (the
   * `required_status_checks` rules of GET /rules/branches/{branch}); empty when neither requires
   * any, or neither can be read (404, 403).
   */
  requiredChecks(branch: string): Promise<string[]>;

  // ---- workflows
  /** workflow_dispatch; the run's id and URL when the server tells them. */
  dispatchWorkflow(workflow: string, ref: string, inputs: Record<string, string>): Promise<DispatchedRun>;
  listDispatchedRuns(workflow: string, createdSince: string): Promise<WorkflowRunRecord[]>;
  /** Issue 15: cancels a workflow run; 'finished' when it had already ended (GitHub answers 409). */
  cancelWorkflowRun(runId: number): Promise<'cancelled' | 'finished'>;

  // ---- pull requests and the merge queue
  pullRequestForMerge(prNumber: number): Promise<MergePullRequestNode | null>;
  /**
   * The paths a pull request changes (a rename counts both names), at most `maxFiles`; GitHub
   * itself lists no more than 3000. Part of the task's footprint (issue 14).
   */
  listPullRequestFiles(prNumber: number, maxFiles?: number): Promise<string[]>;
  /** Open pull requests into `base` (at most 100). */
  openPullRequests(base: string): Promise<{ number: number; headRef: string | null }[]>;
  /** One pull request's mergeability as the REST API reports it. */
  pullRequestMergeability(prNumber: number): Promise<MergeabilityRecord>;
  /** The comments of one review (path, line, body). */
  reviewComments(prNumber: number, reviewId: number): Promise<ReviewCommentRecord[]>;
  behindBy(base: string, headSha: string): Promise<number>;
  /**
   * What `head` changed since it forked from `base` (compare `base...head`): the merge base and
   * the paths changed (a rename counts both names; GitHub lists at most 300 files).
   */
  changedSince(base: string, head: string): Promise<{ mergeBaseSha: string | null; files: string[] }>;
  updateBranch(prNumber: number, expectedHeadSha: string): Promise<void>;
  mergePullRequest(prNumber: number, sha: string, method: 'merge' | 'squash' | 'rebase'): Promise<MergeResult>;
  enqueueInMergeQueue(nodeId: string, headSha: string | null): Promise<{ position: number | null; state: string | null }>;
  dequeueFromMergeQueue(nodeId: string): Promise<void>;

  // ---- repository
  /** A file's text, or null when it does not exist. */
  readFile(path: string, ref?: string): Promise<string | null>;
  /** The person's role_name and permission, or null when they are no collaborator. */
  collaboratorPermission(username: string): Promise<{ permission: string | null; roleName: string | null } | null>;
  /**
   * Issues and pull requests of a reconcile batch in one GraphQL query. A partial answer (one
   * issue deleted or transferred) comes back with its error; no answer at all throws.
   */
  reconcileNodes(items: readonly { issueNumber: number | null; prNumber: number | null }[]): Promise<{ nodes: ReconcileNodes; error: unknown }>;
}
