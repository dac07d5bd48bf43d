import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { API, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from './helpers.js';

/**
 * A delivery handled twice — the process died after (or during) its GitHub writes and the
 * delivery ran again — writes to GitHub once (issue 10), and a stranger's commands cost a
 * reaction and at most one explanatory reply per person and issue an hour (issue 11).
 */

const db = useGitHubTestDb('gh_effects');
const repoPath = `/repos/${OWNER}/${REPO}`;

const run = (app: TestApp, id: string, name: string, payload: unknown) => app.probot.receive({ id, name, payload } as never);

function handIssue(number: number) {
  const p = example<{ issue: Record<string, unknown> }>('issues', 'opened');
  p.issue.number = number;
  p.issue.body = '';
  p.issue.title = `Hand task ${number}`;
  p.issue.labels = [{ name: 'fleet:task' }, { name: 'fleet:hold' }];
  return { ...p, action: 'labeled', label: { name: 'fleet:hold' } };
}

function comment(issue: number, commentId: number, body: string, user = { login: 'octocat', type: 'User' }) {
  const p = example<{ comment: Record<string, unknown>; issue: Record<string, unknown> }>('issue_comment', 'created');
  p.comment.body = body;
  p.comment.id = commentId;
  p.comment.user = user;
  p.issue.number = issue;
  delete p.issue.pull_request;
  return p;
}

/** Counts the GitHub writes that reached "GitHub" (nock), by route. */
function counter() {
  const writes = new Map<string, number>();
  const add = (k: string) => writes.set(k, (writes.get(k) ?? 0) + 1);
  return { writes, add, n: (k: string) => writes.get(k) ?? 0 };
}

async function heldTask(app: TestApp, issue: number) {
  // A held hand-written task: no dispatch, no GitHub call.
  await run(app, `setup-${issue}`, 'issues', handIssue(issue));
}

describe('a delivery run twice writes to GitHub once', () => {
  it('reaction and reply are not repeated when the same comment delivery runs again', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope().persist();
    await heldTask(app, 4);
    const c = counter();
    const gh = nock(API)
      .persist()
      .get(`${repoPath}/collaborators/octocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write' })
      .post(`${repoPath}/issues/comments/7004/reactions`)
      .reply(() => (c.add('reaction'), [201, { id: 1, content: '+1' }]))
      .post(`${repoPath}/issues/4/comments`)
      .reply(() => (c.add('comment'), [201, { id: 9001 }]));
    const payload = comment(4, 7004, '/fleet status');
    await run(app, 'dup-comment-1', 'issue_comment', payload);
    // The process "died" before marking the delivery processed: it runs again.
    await run(app, 'dup-comment-1', 'issue_comment', payload);
    expect(c.writes).toEqual(new Map([['reaction', 1], ['comment', 1]]));
    gh.persist(false);
    token.persist(false);
    nock.cleanAll();
  });

  it('a reply GitHub fails with 502 fails the delivery; the retry replies once and does not react again', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope().persist();
    await heldTask(app, 5);
    const c = counter();
    let replies = 0;
    nock(API)
      .persist()
      .get(`${repoPath}/collaborators/octocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write' })
      .post(`${repoPath}/issues/comments/7005/reactions`)
      .reply(() => (c.add('reaction'), [201, { id: 1 }]))
      .post(`${repoPath}/issues/5/comments`)
      .reply(() => (++replies === 1 ? [502, { message: 'Server Error' }] : (c.add('comment'), [201, { id: 9002 }])))
      // The retry first looks whether the failed attempt left its comment after all: it did not.
      .get(`${repoPath}/issues/5/comments`)
      .query(true)
      .reply(200, []);
    const payload = comment(5, 7005, '/fleet status');
    await expect(run(app, 'retry-comment-1', 'issue_comment', payload)).rejects.toThrow(/Server Error|502/);
    await run(app, 'retry-comment-1', 'issue_comment', payload);
    expect(c.writes).toEqual(new Map([['reaction', 1], ['comment', 1]]));
    token.persist(false);
    nock.cleanAll();
  });

  it('GitHub took the reaction but the answer was lost: the re-run finds it and does not post it again', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope().persist();
    await heldTask(app, 6);
    const c = counter();
    let lost = true;
    nock(API)
      .persist()
      .get(`${repoPath}/collaborators/octocat/permission`)
      .reply(200, { permission: 'write', role_name: 'write' })
      .post(`${repoPath}/issues/comments/7006/reactions`)
      .reply(() => {
        c.add('reaction');
        if (lost) {
          lost = false;
          // The write is made; the connection drops before the answer arrives.
          return [502, { message: 'connection reset after write' }];
        }
        return [200, { id: 1 }];
      })
      .get(`${repoPath}/issues/comments/7006/reactions`)
      .query(true)
      .reply(() => [200, c.n('reaction') ? [{ id: 1, content: '+1', user: { login: 'fleet[bot]', type: 'Bot' } }] : []])
      .post(`${repoPath}/issues/6/comments`)
      .reply(() => (c.add('comment'), [201, { id: 9003 }]));
    const payload = comment(6, 7006, '/fleet status');
    await expect(run(app, 'lost-reaction-1', 'issue_comment', payload)).rejects.toThrow();
    await run(app, 'lost-reaction-1', 'issue_comment', payload);
    expect(c.writes).toEqual(new Map([['reaction', 1], ['comment', 1]]));
    token.persist(false);
    nock.cleanAll();
  });

  it('a dispatch whose answer was lost is not repeated: the re-run finds the run and keeps the same claim', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope().persist();
    const c = counter();
    const runs: { id: number; display_title: string; html_url: string; event: string; created_at: string }[] = [];
    nock(API)
      .persist()
      .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`)
      .reply((_uri, body) => {
        c.add('dispatch');
        const b = body as { inputs: { task: string; epoch: string } };
        runs.push({ id: 4000 + runs.length, display_title: `fleet task=${b.inputs.task} epoch=${b.inputs.epoch}`, html_url: 'https://github.com/x', event: 'workflow_dispatch', created_at: new Date().toISOString() });
        // GitHub created the run; the answer never reaches the app.
        return c.n('dispatch') === 1 ? [504, { message: 'gateway timeout after the write' }] : [200, { workflow_run_id: runs.at(-1)!.id }];
      })
      .get(`${repoPath}/actions/workflows/fleet-agent.yml/runs`)
      .query(true)
      .reply(() => [200, { total_count: runs.length, workflow_runs: runs }])
      .post(`${repoPath}/issues/21/labels`)
      .reply(() => (c.add('label'), [200, []]))
      .get(`${repoPath}/issues/21/labels`)
      .query(true)
      .reply(() => [200, c.n('label') ? [{ name: 'fleet:pool/default' }] : []]);
    const p = example<{ issue: Record<string, unknown> }>('issues', 'opened');
    p.issue.number = 21;
    p.issue.body = '';
    p.issue.title = 'Hand task 21';
    p.issue.labels = [{ name: 'fleet:task' }];
    await expect(run(app, 'lost-dispatch-1', 'issues', p)).rejects.toThrow();
    await run(app, 'lost-dispatch-1', 'issues', p);
    expect(c.writes).toEqual(new Map([['dispatch', 1], ['label', 1]]));
    const { rows } = await db().db.query<{ epoch: number; status: string; workflow_run_id: number | null }>(
      `SELECT a.epoch::int AS epoch, a.status, a.workflow_run_id::int AS workflow_run_id FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.key = 'i21'`,
    );
    expect(rows).toEqual([{ epoch: 1, status: 'active', workflow_run_id: 4000 }]);
    token.persist(false);
    nock.cleanAll();
  });
});

describe('a run that died between its claim and the record of it', () => {
  it('is finished by the re-run with that same claim (same epoch), not a second claim', async () => {
    const app = await makeApp(db().db);
    const token = tokenScope().persist();
    await heldTask(app, 31);
    const { port } = app.deps;
    const project = (await port.findProject(OWNER, REPO))!;
    const task = (await port.findTaskByIssue(project.id, 31))!;
    await port.setHeld(task.id, false);
    // The dead run: recorded that it was about to claim, claimed, and died before recording the claim.
    await port.effects.begin('adopt-1', 'claim:default:1', { pool: 'default' });
    const claim = await port.claimForPool({ name: 'default', capabilities: [], capacity: 1 }, project.id);
    expect(claim?.lease.epoch).toBe(1);
    const c = counter();
    nock(API)
      .persist()
      .post(`${repoPath}/actions/workflows/fleet-agent.yml/dispatches`)
      .reply((_uri, body) => (c.add(`dispatch:${(body as { inputs: { task: string; epoch: string } }).inputs.task}@${(body as { inputs: { epoch: string } }).inputs.epoch}`), [200, { workflow_run_id: 5100 }]))
      .post(`${repoPath}/issues/31/labels`)
      .reply(() => (c.add('label'), [200, []]));
    const p = handIssue(31);
    await run(app, 'adopt-1', 'issues', { ...p, action: 'unlabeled', label: { name: 'fleet:hold' }, issue: { ...p.issue, labels: [{ name: 'fleet:task' }] } });
    expect(c.writes).toEqual(new Map([['dispatch:i31@1', 1], ['label', 1]]));
    const { rows } = await db().db.query<{ epoch: number; workflow_run_id: number }>(
      `SELECT a.epoch::int AS epoch, a.workflow_run_id::int AS workflow_run_id FROM assignments a WHERE a.task_id = $1`,
      [task.id],
    );
    expect(rows).toEqual([{ epoch: 1, workflow_run_id: 5100 }]);
    token.persist(false);
    nock.cleanAll();
  });
});

describe("a stranger's commands", () => {
  it('get a reaction each, and one explanatory reply per person and issue an hour, across processes', async () => {
    const first = await makeApp(db().db);
    const token = tokenScope().persist();
    await heldTask(first, 9);
    const c = counter();
    nock(API)
      .persist()
      .get(`${repoPath}/collaborators/stranger/permission`)
      .reply(200, { permission: 'read', role_name: 'read' })
      .post(/\/repos\/Codertocat\/Hello-World\/issues\/comments\/\d+\/reactions/)
      .reply((_uri, body) => (c.add(`reaction:${(body as { content: string }).content}`), [201, { id: 1 }]))
      .post(`${repoPath}/issues/9/comments`)
      .reply((_uri, body) => (c.add('comment'), expect((body as { body: string }).body).toMatch(/need write access/), [201, { id: 9009 }]));
    const stranger = { login: 'stranger', type: 'User' };
    await run(first, 'stranger-1', 'issue_comment', comment(9, 7101, '/fleet cancel', stranger));
    await run(first, 'stranger-2', 'issue_comment', comment(9, 7102, '/fleet priority p0', stranger));
    // Another orchestrator process (its own caches) sharing the database.
    const second = await makeApp(db().db);
    await run(second, 'stranger-3', 'issue_comment', comment(9, 7103, '/fleet retry', stranger));
    expect(c.writes).toEqual(new Map([['reaction:confused', 3], ['comment', 1]]));
    // An hour on (the marker pruned as stale), the same person is told again.
    await db().db.query(`UPDATE github_command_replies SET replied_at = now() - interval '61 minutes'`);
    expect(await second.deps.port.effects.prune(new Date(Date.now() - 7 * 86_400_000), 3600)).toBe(1);
    await run(second, 'stranger-4', 'issue_comment', comment(9, 7104, '/fleet retry', stranger));
    expect(c.writes).toEqual(new Map([['reaction:confused', 4], ['comment', 2]]));
    const { rows } = await db().db.query<{ status: string; priority: number }>(`SELECT status, priority FROM tasks WHERE key = 'i9'`);
    expect(rows[0]).toEqual({ status: 'pending', priority: 2 });
    token.persist(false);
    nock.cleanAll();
  });
});
