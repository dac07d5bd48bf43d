import nock from 'nock';
import { API, INSTALLATION } from '../github/helpers.js';

/**
 * A small stateful fake of the GitHub routes a plan sync uses (issues listed by label, created,
 * edited and labelled; the batched GraphQL relation mutations) for one repository, plus the
 * installation token and the plan file's contents for the push door. Every route is a real
 * GitHub REST route.
 */
export interface FakeRepo {
  scopes: nock.Scope[];
  /** Issue number of the task or epic issue whose hidden marker names `key`. */
  issueOf(kind: 'task' | 'epic', key: string): number | undefined;
}

export function fakeRepo(owner: string, repo: string, files: Record<string, string> = {}): FakeRepo {
  const repoPath = `/repos/${owner}/${repo}`;
  const issues = new Map<number, { number: number; id: number; title: string; body: string; labels: string[]; state: string }>();
  let next = 1;
  const scopes = [
    nock(API)
      .persist()
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(201, { token: 'ghs_concepts', expires_at: '2999-01-01T00:00:00Z', permissions: {} }),
    nock(API)
      .persist()
      .get(new RegExp(`^${repoPath}/contents/(.+?)(\\?.*)?$`))
      .reply((uri) => {
        const path = decodeURIComponent(/contents\/([^?]+)/.exec(uri)![1]!);
        return path in files ? [200, files[path]] : [404, { message: 'Not Found' }];
      }),
    nock(API)
      .persist()
      .get(`${repoPath}/issues`)
      .query(true)
      .reply((uri) => {
        const label = new URL(uri, API).searchParams.get('labels') ?? '';
        return [200, [...issues.values()].filter((i) => i.labels.includes(label)).map((i) => ({ ...i, node_id: `I_${i.number}`, labels: i.labels.map((name) => ({ name })) }))];
      }),
    nock(API)
      .persist()
      .post(`${repoPath}/issues`)
      .reply((_uri, body) => {
        const b = body as { title: string; body: string; labels: string[] };
        const n = next++;
        const iss = { number: n, id: 10_000 + n, title: b.title, body: b.body, labels: b.labels ?? [], state: 'open' };
        issues.set(n, iss);
        return [201, { ...iss, node_id: `I_${n}`, labels: iss.labels.map((name) => ({ name })) }];
      }),
    nock(API)
      .persist()
      .patch(new RegExp(`^${repoPath}/issues/\\d+$`))
      .reply((uri, body) => {
        const n = Number(/(\d+)$/.exec(uri)![1]);
        Object.assign(issues.get(n)!, body as object);
        return [200, { ...issues.get(n)!, node_id: `I_${n}` }];
      }),
    nock(API)
      .persist()
      .post(new RegExp(`^${repoPath}/issues/\\d+/labels$`))
      .reply((uri, body) => {
        const n = Number(/issues\/(\d+)\/labels/.exec(uri)![1]);
        issues.get(n)?.labels.push(...(body as { labels: string[] }).labels);
        return [200, []];
      }),
    nock(API).persist().post('/graphql').reply(200, { data: {} }),
  ];
  return {
    scopes,
    issueOf(kind, key) {
      for (const i of issues.values()) if (i.body.includes(`<!-- fleet:${kind}=${key} -->`)) return i.number;
      return undefined;
    },
  };
}
