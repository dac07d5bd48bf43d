/** The GraphQL documents the gateway sends (./octokitGateway.ts). */

export const PR_STATE_QUERY = `query fleetMergeQueuePr($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      id number state isDraft merged mergeable url headRefOid baseRefName
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

export const ENQUEUE_MUTATION = `mutation fleetEnqueue($id: ID!, $head: GitObjectID) {
  enqueuePullRequest(input: { pullRequestId: $id, expectedHeadOid: $head }) { mergeQueueEntry { position state } }
}`;

export const DEQUEUE_MUTATION = `mutation fleetDequeue($id: ID!) {
  dequeuePullRequest(input: { id: $id }) { mergeQueueEntry { position state } }
}`;

const PR_FIELDS = 'number state merged isDraft headRefName';

/** The reconcile query for one batch; aliases are built from integers only. */
export function reconcileQuery(items: readonly { issueNumber: number | null; prNumber: number | null }[]): string {
  const parts: string[] = [];
  for (const t of items) {
    if (Number.isInteger(t.issueNumber)) {
      parts.push(
        `i${t.issueNumber}: issue(number: ${t.issueNumber}) { number state stateReason closedByPullRequestsReferences(first: 5, includeClosedPrs: true) { nodes { ${PR_FIELDS} } } }`,
      );
    }
    if (Number.isInteger(t.prNumber)) parts.push(`p${t.prNumber}: pullRequest(number: ${t.prNumber}) { ${PR_FIELDS} }`);
  }
  return `query($owner: String!, $repo: String!) { repository(owner: $owner, name: $repo) { ${[...new Set(parts)].join(' ')} } }`;
}

/** Sub-issue and blocked-by links as aliased mutations, with their variables. */
export function linkIssuesMutation(links: readonly { kind: 'sub-issue' | 'blocked-by'; fromNodeId: string; toNodeId: string }[]): {
  query: string;
  variables: Record<string, string>;
} {
  const variables: Record<string, string> = {};
  const decl: string[] = [];
  const body: string[] = [];
  links.forEach((l, j) => {
    variables[`a${j}`] = l.fromNodeId;
    variables[`b${j}`] = l.toNodeId;
    decl.push(`$a${j}: ID!`, `$b${j}: ID!`);
    body.push(
      l.kind === 'sub-issue'
        ? `r${j}: addSubIssue(input: {issueId: $a${j}, subIssueId: $b${j}}) { clientMutationId }`
        : `r${j}: addBlockedBy(input: {issueId: $a${j}, blockingIssueId: $b${j}}) { clientMutationId }`,
    );
  });
  return { query: `mutation(${decl.join(', ')}) { ${body.join(' ')} }`, variables };
}
