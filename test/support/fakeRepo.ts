import nock from 'nock';
import { API, INSTALLATION } from '../github/helpers.js';

/**
 * A small stateful fake of the GitHub routes a plan sync uses (issues listed by label, created,
 * edited and labelled; the batched GraphQL relation mutations) for one repository, plus the
 * installation token and the repository's files for the push door. Every route is a real GitHub
 * REST route. The plan-sync tests (concepts, guards) and the lifecycle run share it.
 */
export interface FakeIssue {
  number: number;
  id: number;
  title: string;
  body: string;
  labels: string[];
  state: string;
}

export interface FakeRepoOptions {
  /** Files by path for the contents API; a function is asked at each request (a plan that changes between pushes). */
  files?: Record<string, string> | ((path: string) => string | undefined);
  /** The issues to keep: pass the same map to a later fake and issue numbers go on from the highest. */
  issues?: Map<number, FakeIssue>;
  /** Sees every request the fake answers, by route (`POST /repos/{o}/{r}/issues`), with its body: for counting. */
  onRequest?: (route: string, body: unknown) => void;
}

export interface FakeRepo {
  scopes: nock.Scope[];
  issues: Map<number, FakeIssue>;
  /** Every request to add labels to an issue, in order. */
  labelled: { issue: number; labels: string[] }[];
  /** Issue number of the task or epic issue whose hidden marker names `key`. */
  issueOf(kind: 'task' | 'epic', key: string): number | undefined;
}

export function fakeRepo(owner: string, repo: string, opts: FakeRepoOptions = {}): FakeRepo {
  const repoPath = `/repos/${owner}/${repo}`;
  const issues = opts.issues ?? new Map<number, FakeIssue>();
  const labelled: FakeRepo['labelled'] = [];
  const files = opts.files ?? {};
  const file = typeof files === 'function' ? files : (path: string) => (path in files ? files[path] : undefined);
  const seen = opts.onRequest ?? (() => undefined);
  const labelsOf = (i: FakeIssue) => i.labels.map((name) => ({ name }));
  let next = Math.max(0, ...issues.keys()) + 1;
  const scopes = [
    nock(API)
      .persist()
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(() => {
        seen('POST /app/installations/{id}/access_tokens', undefined);
        return [201, { token: 'ghs_fake_repo', expires_at: '2999-01-01T00:00:00Z', permissions: {} }];
      }),
    nock(API)
      .persist()
      .get(new RegExp(`^${repoPath}/contents/(.+?)(\\?.*)?$`))
      .reply((uri) => {
        seen('GET /repos/{o}/{r}/contents/{path}', undefined);
        const text = file(decodeURIComponent(/contents\/([^?]+)/.exec(uri)![1]!));
        return text === undefined ? [404, { message: 'Not Found' }] : [200, text];
      }),
    nock(API)
      .persist()
      .get(`${repoPath}/issues`)
      .query(true)
      .reply((uri) => {
        seen('GET /repos/{o}/{r}/issues', undefined);
        const label = new URL(uri, API).searchParams.get('labels') ?? '';
        return [200, [...issues.values()].filter((i) => i.labels.includes(label)).map((i) => ({ ...i, node_id: `I_${i.number}`, labels: labelsOf(i) }))];
      }),
    nock(API)
      .persist()
      .post(`${repoPath}/issues`)
      .reply((_uri, body) => {
        seen('POST /repos/{o}/{r}/issues', body);
        const b = body as { title: string; body: string; labels?: string[] };
        const n = next++;
        const iss = { number: n, id: 10_000 + n, title: b.title, body: b.body, labels: b.labels ?? [], state: 'open' };
        issues.set(n, iss);
        return [201, { ...iss, node_id: `I_${n}`, labels: labelsOf(iss) }];
      }),
    nock(API)
      .persist()
      .patch(new RegExp(`^${repoPath}/issues/\\d+$`))
      .reply((uri, body) => {
        seen('PATCH /repos/{o}/{r}/issues/{n}', body);
        const iss = issues.get(Number(/(\d+)$/.exec(uri)![1]))!;
        Object.assign(iss, body as object);
        return [200, { ...iss, node_id: `I_${iss.number}`, labels: labelsOf(iss) }];
      }),
    nock(API)
      .persist()
      .post(new RegExp(`^${repoPath}/issues/\\d+/labels$`))
      .reply((uri, body) => {
        seen('POST /repos/{o}/{r}/issues/{n}/labels', body);
        const n = Number(/issues\/(\d+)\/labels/.exec(uri)![1]);
        const added = (body as { labels: string[] }).labels;
        labelled.push({ issue: n, labels: added });
        issues.get(n)?.labels.push(...added);
        return [200, []];
      }),
    nock(API)
      .persist()
      .post('/graphql')
      .reply((_uri, body) => {
        seen('POST /graphql', body);
        return [200, { data: {} }];
      }),
  ];
  return {
    scopes,
    issues,
    labelled,
    issueOf(kind, key) {
      for (const i of issues.values()) if (i.body.includes(`<!-- fleet:${kind}=${key} -->`)) return i.number;
      return undefined;
    },
  };
}

/**
 * The collaborator permission API for one repository: each login's role (others `read`), and the
 * legacy `permission` GitHub derives from it (maintain reads as write, triage as read).
 */
export function fakeRoles(owner: string, repo: string, roles: Record<string, string>): nock.Scope {
  return nock(API)
    .persist()
    .get(new RegExp(`^/repos/${owner}/${repo}/collaborators/[^/]+/permission$`))
    .reply((uri) => {
      const login = decodeURIComponent(/collaborators\/([^/]+)\/permission/.exec(uri)![1]!);
      const role = roles[login] ?? 'read';
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return [200, { permission, role_name: role, user: { login } }];
    });
}
