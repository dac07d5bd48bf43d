import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { assertGitHubRequest, githubRequestProblems } from '../support/githubApi.js';
import { takeGuardFindings } from '../support/githubGuard.js';

const API = 'https://api.github.com';
const json = (v: unknown) => JSON.stringify(v);

describe('GitHub requests checked against @octokit/openapi', () => {
  it('accepts requests GitHub describes, on github.com and under a GHES /api/v3 prefix', () => {
    expect(githubRequestProblems({ method: 'POST', url: `${API}/repos/acme/w/issues/3/comments`, body: json({ body: 'hi' }) })).toEqual([]);
    expect(githubRequestProblems({ method: 'GET', url: 'http://ghe.corp.test/api/v3/repos/acme/w/contents/.github%2Ffleet.yml?ref=main' })).toEqual([]);
    expect(githubRequestProblems({ method: 'GET', url: `${API}/repos/acme/w/git/ref/heads/main` })).toEqual([]);
    expect(githubRequestProblems({ method: 'POST', url: `${API}/repos/acme/w/actions/workflows/fleet-agent.yml/dispatches`, body: json({ ref: 'main', inputs: { task: '1.1' } }) })).toEqual([]);
  });

  it('names the method, the path and each problem', () => {
    expect(() => assertGitHubRequest({ method: 'POST', url: `${API}/repos/acme/w/issues/x/comments`, body: json({ text: 'hi' }) })).toThrow(
      `POST /repos/acme/w/issues/x/comments does not match GitHub's API description: path parameter {issue_number} must be an integer, got "x"; body must have required property 'body'`,
    );
  });

  it.each([
    ['an unknown path', { method: 'GET', url: `${API}/repos/acme/w/nope` }, /no such path/],
    ['a method the path does not take', { method: 'PUT', url: `${API}/repos/acme/w/issues/1/comments`, body: '{}' }, /PUT is not allowed .* \(GitHub has GET, POST\)/],
    ['an empty owner', { method: 'GET', url: `${API}/repos//w/issues` }, /no such path|must not be empty/],
    ['a query parameter the route does not take', { method: 'GET', url: `${API}/repos/acme/w/issues?colour=red` }, /query parameter "colour" is not accepted/],
    ['a query value outside its enum', { method: 'GET', url: `${API}/repos/acme/w/issues?state=half` }, /query parameter "state" must be one of open, closed, all/],
    ['a non-integer query value', { method: 'GET', url: `${API}/repos/acme/w/issues?per_page=lots` }, /query parameter "per_page" must be an integer/],
    ['a missing required body', { method: 'POST', url: `${API}/repos/acme/w/issues/1/comments` }, /a JSON body is required/],
    ['a body field of the wrong type', { method: 'POST', url: `${API}/repos/acme/w/issues`, body: json({ title: 'x', labels: 'bug' }) }, /body\/labels must be array/],
    ['a reaction GitHub does not have', { method: 'POST', url: `${API}/repos/acme/w/issues/comments/5/reactions`, body: json({ content: 'party' }) }, /body\/content must be equal to one of the allowed values/],
    ['a body that is not JSON', { method: 'POST', url: `${API}/repos/acme/w/issues`, body: '{title' }, /body is not JSON/],
  ])('refuses %s', (_what, req, problem) => {
    expect(githubRequestProblems(req).join('; ')).toMatch(problem);
  });
});

describe('GraphQL documents checked against @octokit/graphql-schema', () => {
  const gql = (query: string, variables?: Record<string, unknown>) => githubRequestProblems({ method: 'POST', url: `${API}/graphql`, body: json({ query, variables }) });
  it('accepts a valid query and mutation with their variables', () => {
    expect(gql('query($o: String!) { repository(owner: $o, name: "w") { id } }', { o: 'acme' })).toEqual([]);
    expect(gql('mutation($i: ID!, $s: ID!) { addSubIssue(input: {issueId: $i, subIssueId: $s}) { issue { id } } }', { i: 'I_1', s: 'I_2' })).toEqual([]);
  });
  it('refuses unknown fields, syntax errors, missing variables and GET', () => {
    expect(gql('{ repository(owner: "a", name: "w") { idd } }')).toEqual(['GraphQL: Cannot query field "idd" on type "Repository". Did you mean "id"?']);
    expect(gql('{ repository(')[0]).toMatch(/^GraphQL syntax/);
    expect(gql('query($o: String!) { repository(owner: $o, name: "w") { id } }', {})).toEqual(['GraphQL variables: Variable "$o" of required type "String!" was not provided.']);
    expect(githubRequestProblems({ method: 'GET', url: `${API}/graphql` })).toEqual(['GraphQL takes POST, not GET']);
    // The two mutations added beside the package's schema are checked too.
    expect(gql('mutation($i: ID!) { addBlockedBy(input: {issueId: $i, blockedBy: $i}) { clientMutationId } }', { i: 'I_1' }).join('; ')).toMatch(/blockedBy/);
  });
});

describe('the global guard (test/support/githubGuard.ts)', () => {
  it('records a request nock answers but GitHub would refuse', async () => {
    nock(API).post('/repos/acme/w/issues/1/comments').reply(201, {});
    await fetch(`${API}/repos/acme/w/issues/1/comments`, { method: 'POST', body: json({ message: 'wrong field' }), headers: { 'content-type': 'application/json' } });
    expect(takeGuardFindings().invalid).toEqual([`POST /repos/acme/w/issues/1/comments: body must have required property 'body'`]);
  });

  it('records a request to GitHub nothing matched, even when the caller swallows the error', async () => {
    await fetch(`${API}/repos/acme/w/issues/1/labels`, { method: 'POST', body: json({ labels: ['x'] }) }).catch(() => undefined);
    expect(takeGuardFindings().unmatched).toEqual(['POST https://api.github.com:443/repos/acme/w/issues/1/labels']);
  });

  it('leaves loopback alone for the test\'s own servers', async () => {
    await fetch('http://127.0.0.1:9/').catch(() => undefined);
    expect(takeGuardFindings()).toEqual({ invalid: [], unmatched: [] });
  });
});
