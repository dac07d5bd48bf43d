import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { PG_URL, freshDb, type TestDb } from '../support/db.js';
import { API, OWNER, REPO } from './helpers.js';
import { runCli } from '../../app/cli/main.js';
import type { CliIo } from '../../app/cli/io.js';
import { loadPlanParser, parseWith } from '../../app/github/planSync/planHooks.js';
import { EPIC_LABEL, TASK_LABEL, epicTitle, renderEpicBody, renderTaskBody, taskTitle, type NumberMap } from '../../app/github/planSync/index.js';
import type { Plan } from '../../schema/plan.js';

/**
 * `fleet sync` and `fleet reconcile` through the CLI entry point, with a capturing io, GitHub
 * faked by nock (no network; any request not mocked fails the command) and a fresh schema.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const PLAN_FILE = join(ROOT, 'seed/plans/remediation-plan.md');
const repoPath = `/repos/${OWNER}/${REPO}`;
const REPO_ARG = `${OWNER}/${REPO}`;

let t: TestDb;
const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);

beforeAll(async () => {
  // The CLI opens its own pool on the same schema, so this needs the real server.
  t = await freshDb('gh_cli', { backend: 'postgres' });
  nock.disableNetConnect();
  nock.emitter.on('no match', onNoMatch);
});
afterAll(async () => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.enableNetConnect();
  await t?.cleanup();
});
beforeEach(async () => {
  unmatched.length = 0;
  await t.db.query('DELETE FROM projects');
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
  expect(unmatched).toEqual([]);
});

interface Captured {
  io: CliIo;
  out: () => string;
  err: () => string;
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  const out: string[] = [];
  const err: string[] = [];
  const base: NodeJS.ProcessEnv = { GITHUB_TOKEN: 'ghp_clitesttoken', DATABASE_URL: PG_URL, DATABASE_SCHEMA: t.schema, LOG_LEVEL: 'silent' };
  return {
    io: { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env: { ...base, ...env } },
    out: () => out.join('\n'),
    err: () => err.join('\n'),
  };
}

const nonEmptyLines = (s: string) => s.split('\n').filter((l) => l.trim());

async function remediationPlan(): Promise<Plan> {
  const parse = await loadPlanParser();
  expect(parse).not.toBeNull();
  const parsed = parseWith(parse!, await readFile(PLAN_FILE, 'utf8'));
  expect(parsed.errors).toEqual([]);
  return parsed.plan!;
}

/** The two label listings sync reads (one page each, fewer than 100 issues per label). */
function listIssues(epics: unknown[], tasks: unknown[]): nock.Scope {
  return nock(API)
    .get(`${repoPath}/issues`)
    .query({ state: 'all', labels: EPIC_LABEL, per_page: '100', page: '1' })
    .reply(200, epics)
    .get(`${repoPath}/issues`)
    .query({ state: 'all', labels: TASK_LABEL, per_page: '100', page: '1' })
    .reply(200, tasks);
}

/** The issues a previous sync made: epics #1..#5, tasks from #6, each task a sub-issue of its epic. */
function syncedIssues(plan: Plan): { epics: Record<string, unknown>[]; tasks: Record<string, unknown>[]; numbers: NumberMap } {
  const numbers: NumberMap = { epics: new Map(), tasks: new Map() };
  let n = 0;
  for (const e of plan.epics) numbers.epics.set(e.key, ++n);
  for (const x of plan.tasks) numbers.tasks.set(x.key, ++n);
  const raw = (number: number, title: string, body: string, label: string, parent: number | null) => ({
    number,
    id: 10_000 + number,
    node_id: `I_node${number}`,
    title,
    body,
    state: 'open',
    labels: [{ name: label }],
    parent_issue_url: parent === null ? null : `${API}${repoPath}/issues/${parent}`,
  });
  const epics = plan.epics.map((e) =>
    raw(numbers.epics.get(e.key)!, epicTitle(e), renderEpicBody(e, plan.tasks.filter((x) => x.epic === e.key), numbers), EPIC_LABEL, null),
  );
  const tasks = plan.tasks.map((x) =>
    raw(numbers.tasks.get(x.key)!, taskTitle(x), renderTaskBody(x, numbers), TASK_LABEL, numbers.epics.get(x.epic)!),
  );
  // What people wrote below the managed part is theirs and is no difference.
  tasks[0]!.body += '\n\nNotes from a person: keep the old API until 2.0.';
  return { epics, tasks, numbers };
}

describe('fleet sync --dry-run', () => {
  it('on an empty repository prints a create for each of the 5 epics and 27 tasks, and writes nothing', async () => {
    const plan = await remediationPlan();
    expect(plan.epics).toHaveLength(5);
    expect(plan.tasks).toHaveLength(27);
    const gh = listIssues([], []);
    const c = capture();
    const code = await runCli(['sync', PLAN_FILE, '--repo', REPO_ARG, '--dry-run'], c.io);
    gh.done();
    expect(c.err()).toBe('');
    expect(code).toBe(0);

    const lines = nonEmptyLines(c.out());
    const creates = lines.filter((l) => /^\s+\+ create /.test(l)).map((l) => l.trim());
    // epics first, then every task exactly once
    expect(creates.slice(0, 5)).toEqual(plan.epics.map((e) => `+ create epic ${e.key}`));
    expect([...creates.slice(5)].sort()).toEqual(plan.tasks.map((x) => `+ create task ${x.key}`).sort());
    expect(creates).toHaveLength(32);
    // tasks are created after the tasks they depend on
    const at = (k: string) => creates.indexOf(`+ create task ${k}`);
    for (const x of plan.tasks) for (const d of x.dependsOn) if (!d.startsWith('epic:')) expect(at(d), `${d} before ${x.key}`).toBeLessThan(at(x.key));
    const subIssues = lines.filter((l) => /^\s+> make \S+ a sub-issue of epic \S+$/.test(l));
    expect(subIssues).toHaveLength(27);
    const blockedBy = lines.filter((l) => /^\s+> mark \S+ blocked by \S+$/.test(l));
    expect(blockedBy).toHaveLength(plan.tasks.reduce((a, x) => a + x.dependsOn.filter((d) => !d.startsWith('epic:')).length, 0));
    expect(lines[0]).toBe(`Plan of changes (${creates.length + subIssues.length + blockedBy.length}; nothing written):`);
    expect(lines).toHaveLength(1 + creates.length + subIssues.length + blockedBy.length);
    // no write reached GitHub (any unmocked request would be in `unmatched`), and the database was not touched
    expect((await t.db.query('SELECT 1 FROM tasks')).rows).toEqual([]);
    expect((await t.db.query('SELECT 1 FROM projects')).rows).toEqual([]);
  });

  it('against issues that already carry the hidden markers prints that there is nothing to do', async () => {
    const plan = await remediationPlan();
    const { epics, tasks } = syncedIssues(plan);
    const gh = listIssues(epics, tasks);
    const c = capture();
    const code = await runCli(['sync', PLAN_FILE, '--repo', REPO_ARG, '--dry-run'], c.io);
    gh.done();
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    expect(nonEmptyLines(c.out())).toEqual(['No changes: the issues match the plan.']);
  });

  it('lists only what differs (a retitled issue, a missing label) and still writes nothing', async () => {
    const plan = await remediationPlan();
    const { epics, tasks, numbers } = syncedIssues(plan);
    const renamed = plan.tasks[2]!;
    const unlabelled = plan.tasks[4]!;
    tasks[2]!.title = 'someone renamed this';
    tasks[4]!.labels = [];
    const gh = listIssues(epics, tasks);
    const c = capture();
    const code = await runCli(['sync', PLAN_FILE, '--repo', REPO_ARG, '--dry-run'], c.io);
    gh.done();
    expect(code).toBe(0);
    expect(nonEmptyLines(c.out())).toEqual([
      'Plan of changes (2; nothing written):',
      `  ~ update task ${renamed.key} (#${numbers.tasks.get(renamed.key)}: title)`,
      `  ~ update task ${unlabelled.key} (#${numbers.tasks.get(unlabelled.key)}: label)`,
    ]);
  });
});

describe('fleet sync and reconcile refuse bad usage with one line and exit 2', () => {
  const cases: [string, string[], Record<string, string | undefined>, RegExp][] = [
    ['a --repo that is not owner/repo', ['sync', PLAN_FILE, '--repo', 'not-a-repo', '--dry-run'], {}, /^--repo must be owner\/repo, got "not-a-repo"$/],
    ['reconcile with a bad --repo', ['reconcile', '--repo', 'a/b/c'], {}, /^--repo must be owner\/repo, got "a\/b\/c"$/],
    ['a plan file that is not there', ['sync', join(ROOT, 'no-such-plan.md'), '--repo', REPO_ARG, '--dry-run'], {}, /no-such-plan\.md: cannot read the file$/],
    ['no GitHub credentials', ['sync', PLAN_FILE, '--repo', REPO_ARG, '--dry-run'], { GITHUB_TOKEN: undefined }, /^no GitHub credentials: set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH$/],
    ['a missing --repo', ['sync', PLAN_FILE, '--dry-run'], {}, /required option '--repo <owner\/repo>' not specified/],
    ['an unknown flag', ['reconcile', '--repo', REPO_ARG, '--frobnicate'], {}, /unknown option '--frobnicate'/],
  ];
  for (const [what, argv, env, message] of cases) {
    it(what, async () => {
      const c = capture(env);
      const code = await runCli(argv, c.io);
      expect(code).toBe(2);
      expect(c.out()).toBe('');
      const lines = nonEmptyLines(c.err());
      expect(lines[0]).toMatch(message);
      // one line saying what was wrong (commander adds its usage hint after its own errors)
      expect(lines.slice(1).every((l) => l === '(run with --help for usage)')).toBe(true);
    });
  }
});

describe('fleet reconcile', () => {
  async function seed(): Promise<number> {
    const { rows } = await t.db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ($1, $2) RETURNING id`, [OWNER, REPO]);
    const projectId = Number(rows[0]!.id);
    const add = (key: string, issue: number, status: string, pr: number | null = null) =>
      t.db.query(
        `INSERT INTO tasks (project_id, key, title, estimated_hours, critical_path_hours, issue_number, pr_number, status)
         VALUES ($1, $2, $3, 1, 1, $4, $5, $6)`,
        [projectId, key, `Task ${key}`, issue, pr, status],
      );
    await add('1.1', 11, 'pending');
    await add('1.2', 12, 'in_progress');
    await add('1.3', 13, 'in_review', 113);
    await add('1.4', 14, 'assigned');
    await add('1.5', 15, 'pending');
    return projectId;
  }

  const graphql = () =>
    nock(API)
      .post('/graphql', (b: { query: string; variables: Record<string, unknown> }) => {
        const asked = [...b.query.matchAll(/\bi(\d+): issue\(/g)].map((m) => Number(m[1])).sort();
        return JSON.stringify(asked) === JSON.stringify([11, 12, 13, 14, 15]) && /\bp113: pullRequest\(number: 113\)/.test(b.query) && b.variables.owner === OWNER && b.variables.repo === REPO;
      })
      .reply(200, {
        data: {
          repository: {
            i11: { number: 11, state: 'CLOSED', stateReason: 'COMPLETED', closedByPullRequestsReferences: { nodes: [] } },
            i12: { number: 12, state: 'CLOSED', stateReason: 'NOT_PLANNED', closedByPullRequestsReferences: { nodes: [] } },
            i13: { number: 13, state: 'OPEN', stateReason: null, closedByPullRequestsReferences: { nodes: [] } },
            p113: { number: 113, state: 'MERGED', merged: true, isDraft: false, headRefName: 'fleet/1.3-x' },
            i14: {
              number: 14,
              state: 'OPEN',
              stateReason: null,
              closedByPullRequestsReferences: { nodes: [{ number: 114, state: 'OPEN', merged: false, isDraft: false, headRefName: 'fleet/1.4-y' }] },
            },
            i15: { number: 15, state: 'OPEN', stateReason: null, closedByPullRequestsReferences: { nodes: [] } },
          },
        },
      });

  const statuses = async () =>
    Object.fromEntries((await t.db.query<{ key: string; status: string }>('SELECT key, status FROM tasks ORDER BY key')).rows.map((r) => [r.key, r.status]));

  it('--dry-run prints the repairs it would make and changes nothing', async () => {
    await seed();
    const before = await statuses();
    const gh = graphql();
    const c = capture();
    const code = await runCli(['reconcile', '--repo', REPO_ARG, '--dry-run'], c.io);
    gh.done();
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    expect(nonEmptyLines(c.out())).toEqual([
      'checked 5 open task(s) in 1 GraphQL request(s); would repair 4',
      '  1.1: pending → done (issue #11 is closed)',
      '  1.2: in_progress → cancelled (issue #12 is closed)',
      '  1.3: in_review → done (PR #113 was merged)',
      '  1.4: assigned → in_review (PR #114 is open)',
    ]);
    expect(await statuses()).toEqual(before);
  });

  it('repairs the tasks in the database and prints what it did', async () => {
    await seed();
    const gh = graphql();
    const c = capture();
    const code = await runCli(['reconcile', '--repo', REPO_ARG], c.io);
    gh.done();
    expect(c.err()).toBe('');
    expect(code).toBe(0);
    expect(nonEmptyLines(c.out())[0]).toBe('checked 5 open task(s) in 1 GraphQL request(s); repaired 4');
    expect(await statuses()).toEqual({ '1.1': 'done', '1.2': 'cancelled', '1.3': 'done', '1.4': 'in_review', '1.5': 'pending' });
    const { rows } = await t.db.query<{ pr_number: number }>(`SELECT pr_number FROM tasks WHERE key = '1.4'`);
    expect(rows[0]!.pr_number).toBe(114);
  });

  it('says so when the repository has no tasks in this database (exit 1, no GitHub call)', async () => {
    const c = capture();
    const code = await runCli(['reconcile', '--repo', 'someone/else'], c.io);
    expect(code).toBe(1);
    expect(nonEmptyLines(c.err())).toEqual(['someone/else has no tasks in this database (run fleet sync or fleet seed first)']);
  });
});
