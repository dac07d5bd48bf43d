import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { freshDb, type TestDb } from '../support/db.js';
import { API, OWNER, REPO } from './helpers.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { tokenClient } from '../../app/github/ingest/probot.js';
import { reconcile } from '../../app/github/reconcile.js';
import type { FleetPort, Project } from '../../app/github/ports.js';

/**
 * reconcile() against a fake GitHub GraphQL endpoint (nock) that answers from an in-memory view
 * of the repository: the issues' states and their pull requests, and what is asked per batch.
 */

let t: TestDb;
let port: FleetPort;
let project: Project;
beforeAll(async () => {
  t = await freshDb('gh_reconcile');
  nock.disableNetConnect();
});
afterAll(async () => {
  nock.enableNetConnect();
  await t?.cleanup();
});
beforeEach(async () => {
  await t.db.query('DELETE FROM projects');
  const engine = new Engine({ db: t.db, queue: new PostgresQueue(), events: new LocalEventBus(), leaseTtlSeconds: 600, maxAttempts: 3 });
  port = createSqlPort(t.db, { engine: engineHooks(engine) });
  project = await port.ensureProject({ owner: OWNER, repo: REPO });
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

interface FakePr {
  number: number;
  state: 'OPEN' | 'CLOSED' | 'MERGED';
  merged: boolean;
  isDraft: boolean;
  headRefName: string;
}
interface FakeIssue {
  state: 'OPEN' | 'CLOSED';
  stateReason: string | null;
  prs: FakePr[];
}

/** What GitHub knows; issues and PRs not listed do not exist (null plus a NOT_FOUND error). */
class FakeGitHub {
  issues = new Map<number, FakeIssue>();
  prs = new Map<number, FakePr>();
  /** Per request: the issue and PR numbers it asked for. */
  requests: { issues: number[]; prs: number[]; variables: Record<string, unknown> }[] = [];

  issue(n: number, state: FakeIssue['state'] = 'OPEN', stateReason: string | null = null, prs: FakePr[] = []) {
    this.issues.set(n, { state, stateReason, prs });
    for (const p of prs) this.prs.set(p.number, p);
  }

  /** Persisted scope that answers every GraphQL query; `times` requests are expected. */
  scope(times: number): nock.Scope {
    return nock(API)
      .post('/graphql')
      .times(times)
      .reply((_uri, body) => {
        const { query, variables } = body as { query: string; variables: Record<string, unknown> };
        const issues = [...query.matchAll(/\bi(\d+): issue\(number: (\d+)\)/g)].map((m) => {
          expect(m[1]).toBe(m[2]);
          return Number(m[2]);
        });
        const prs = [...query.matchAll(/\bp(\d+): pullRequest\(number: (\d+)\)/g)].map((m) => Number(m[2]));
        this.requests.push({ issues, prs, variables });
        const repository: Record<string, unknown> = {};
        const errors: unknown[] = [];
        for (const n of issues) {
          const i = this.issues.get(n);
          repository[`i${n}`] = i ? { number: n, state: i.state, stateReason: i.stateReason, closedByPullRequestsReferences: { nodes: i.prs } } : null;
          if (!i) errors.push({ type: 'NOT_FOUND', path: ['repository', `i${n}`], message: `Could not resolve to an Issue with the number of ${n}.` });
        }
        for (const n of prs) {
          const p = this.prs.get(n);
          repository[`p${n}`] = p ?? null;
          if (!p) errors.push({ type: 'NOT_FOUND', path: ['repository', `p${n}`], message: `Could not resolve to a PullRequest with the number of ${n}.` });
        }
        return [200, errors.length ? { data: { repository }, errors } : { data: { repository } }];
      });
  }
}

const pr = (number: number, state: FakePr['state'], extra: Partial<FakePr> = {}): FakePr => ({
  number,
  state,
  merged: state === 'MERGED',
  isDraft: false,
  headRefName: `fleet/t${number}-work`,
  ...extra,
});

async function task(key: string, issue: number | null, opts: { status?: string; pr?: number | null } = {}): Promise<number> {
  const { rows } = await t.db.query<{ id: number }>(
    `INSERT INTO tasks (project_id, key, title, estimated_hours, critical_path_hours, issue_number, pr_number, status)
     VALUES ($1, $2, $3, 1, 1, $4, $5, $6) RETURNING id`,
    [project.id, key, `Task ${key}`, issue, opts.pr ?? null, opts.status ?? 'pending'],
  );
  return Number(rows[0]!.id);
}

async function rows() {
  const { rows: r } = await t.db.query<{ key: string; status: string; pr_number: number | null; branch: string | null; updated_at: Date }>(
    'SELECT key, status, pr_number, branch, updated_at FROM tasks WHERE project_id = $1 ORDER BY key',
    [project.id],
  );
  return Object.fromEntries(r.map((x) => [x.key, x]));
}

const gh = () => tokenClient('ghp_reconciletest', {}, { enabled: false });

describe('reconcile', () => {
  it('reads 120 open tasks in 3 GraphQL requests of at most 50, and changes nothing when GitHub agrees', async () => {
    const fake = new FakeGitHub();
    for (let n = 1; n <= 120; n++) {
      // every tenth task has its PR open and is already in review: consistent
      if (n % 10 === 0) {
        await task(`t${n}`, n, { status: 'in_review', pr: 1000 + n });
        fake.issue(n, 'OPEN', null, [pr(1000 + n, 'OPEN')]);
      } else {
        await task(`t${n}`, n);
        fake.issue(n);
      }
    }
    // done and cancelled tasks, and tasks without an issue, are not read at all
    await task('finished', 500, { status: 'done' });
    await task('dropped', 501, { status: 'cancelled' });
    await task('local', null);
    const before = await rows();
    const scope = fake.scope(3);
    const report = await reconcile(gh(), port, project);
    scope.done();

    expect(report).toEqual({ checked: 120, repaired: [], errors: [], graphqlCalls: 3 });
    expect(fake.requests.map((r) => r.issues.length)).toEqual([50, 50, 20]);
    expect(fake.requests.flatMap((r) => r.issues).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(fake.requests.flatMap((r) => r.prs).length).toBe(12);
    for (const r of fake.requests) expect(r.variables).toEqual({ owner: OWNER, repo: REPO });
    expect(await rows()).toEqual(before);
  });

  it('honours a smaller batch size', async () => {
    const fake = new FakeGitHub();
    for (let n = 1; n <= 7; n++) {
      await task(`t${n}`, n);
      fake.issue(n);
    }
    const scope = fake.scope(3);
    const report = await reconcile(gh(), port, project, { batchSize: 3 });
    scope.done();
    expect(report.graphqlCalls).toBe(3);
    expect(fake.requests.map((r) => r.issues.length)).toEqual([3, 3, 1]);
  });

  it('repairs what lost webhooks left wrong; a dry run reports the same repairs and writes nothing', async () => {
    const fake = new FakeGitHub();
    await task('completed', 1);
    fake.issue(1, 'CLOSED', 'COMPLETED');
    await task('notplanned', 2, { status: 'in_progress' });
    fake.issue(2, 'CLOSED', 'NOT_PLANNED');
    await task('merged', 3, { status: 'in_review', pr: 103 });
    fake.issue(3, 'OPEN'); // closing keyword missing: the issue stayed open, the recorded PR merged
    fake.prs.set(103, pr(103, 'MERGED'));
    await task('unrecorded', 4, { status: 'assigned' });
    fake.issue(4, 'OPEN', null, [pr(104, 'OPEN', { headRefName: 'fleet/unrecorded-fix' })]);
    await task('draft', 5);
    fake.issue(5, 'OPEN', null, [pr(105, 'OPEN', { isDraft: true })]);
    await task('agrees', 6, { status: 'in_review', pr: 106 });
    fake.issue(6, 'OPEN', null, [pr(106, 'OPEN')]);
    // a dependent of `completed`: waits now, ready once reconciliation marks its prerequisite done
    const dependent = await task('dependent', 7);
    fake.issue(7);
    const { rows: ids } = await t.db.query<{ id: number }>("SELECT id FROM tasks WHERE key = 'completed'");
    await port.addDependencies(dependent, [Number(ids[0]!.id)]);
    const ready = async () => (await t.db.query<{ ready: boolean }>("SELECT ready FROM task_readiness WHERE key = 'dependent'")).rows[0]!.ready;
    expect(await ready()).toBe(false);

    const expected = [
      { key: 'completed', from: 'pending', to: 'done', why: 'issue #1 is closed' },
      { key: 'notplanned', from: 'in_progress', to: 'cancelled', why: 'issue #2 is closed' },
      { key: 'merged', from: 'in_review', to: 'done', why: 'PR #103 was merged' },
      { key: 'unrecorded', from: 'assigned', to: 'in_review', why: 'PR #104 is open' },
    ];

    const before = await rows();
    const dry = fake.scope(1);
    const preview = await reconcile(gh(), port, project, { dryRun: true });
    dry.done();
    expect(preview.errors).toEqual([]);
    expect(preview.checked).toBe(7);
    expect(preview.repaired).toEqual(expect.arrayContaining(expected));
    expect(preview.repaired).toHaveLength(4);
    expect(await rows()).toEqual(before);
    expect(await ready()).toBe(false);

    const real = fake.scope(1);
    const report = await reconcile(gh(), port, project);
    real.done();
    expect(report.errors).toEqual([]);
    expect(report.repaired).toEqual(expect.arrayContaining(expected));
    expect(report.repaired).toHaveLength(4);
    const after = await rows();
    expect(after.completed!.status).toBe('done');
    expect(after.notplanned!.status).toBe('cancelled');
    expect(after.merged!.status).toBe('done');
    expect(after.unrecorded).toMatchObject({ status: 'in_review', pr_number: 104, branch: 'fleet/unrecorded-fix' });
    expect(after.draft).toMatchObject({ status: 'pending', pr_number: null });
    expect(after.agrees!.updated_at).toEqual(before.agrees!.updated_at);
    expect(await ready()).toBe(true);

    // Once repaired, GitHub and the database agree: the next sweep reads only what is open and changes nothing.
    const again = fake.scope(1);
    const second = await reconcile(gh(), port, project);
    again.done();
    expect(second).toEqual({ checked: 4, repaired: [], errors: [], graphqlCalls: 1 });
    expect(fake.requests.at(-1)!.issues.sort()).toEqual([4, 5, 6, 7]);
  });

  it('a PR closed without merging sends an in-review task back to pending', async () => {
    const fake = new FakeGitHub();
    await task('abandoned', 8, { status: 'in_review', pr: 108 });
    fake.issue(8, 'OPEN', null, [pr(108, 'CLOSED')]);
    const scope = fake.scope(1);
    const report = await reconcile(gh(), port, project);
    scope.done();
    expect(report.repaired).toEqual([{ key: 'abandoned', from: 'in_review', to: 'pending', why: 'PR #108 was closed without merging' }]);
    expect((await rows()).abandoned!.status).toBe('pending');
  });

  it('a partial answer (one issue deleted) still repairs the rest; a failed batch is reported, not thrown', async () => {
    const fake = new FakeGitHub();
    await task('gone', 20);
    await task('closed', 21);
    fake.issue(21, 'CLOSED', 'COMPLETED');
    const scope = fake.scope(1);
    const report = await reconcile(gh(), port, project);
    scope.done();
    expect(report.errors).toEqual([]);
    expect(report.repaired).toEqual([{ key: 'closed', from: 'pending', to: 'done', why: 'issue #21 is closed' }]);
    expect((await rows()).gone!.status).toBe('pending');

    const down = nock(API).post('/graphql').reply(401, { message: 'Bad credentials' });
    const failed = await reconcile(tokenClient('ghp_x', {}, { enabled: false }), port, project, { batchSize: 50 });
    down.done();
    expect(failed.repaired).toEqual([]);
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0]).toMatch(/^batch 1: .*Bad credentials/);
    expect((await rows()).gone!.status).toBe('pending');
  });
});
