import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { API, INSTALLATION, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from './helpers.js';

/** `/fleet assign <agent>`: a name that is not a pool hands the task to that agent (engine.assign). */

const db = useGitHubTestDb('gh_assign_agent');

const repoPath = `/repos/${OWNER}/${REPO}`;
let seq = 0;
const send = (app: TestApp, name: string, payload: unknown) => app.probot.receive({ id: `assign-${++seq}`, name, payload } as never);

function comment(issue: number, body: string, commentId: number) {
  const p = example<{ comment: Record<string, unknown>; issue: Record<string, unknown> }>('issue_comment', 'created');
  p.comment.body = body;
  p.comment.id = commentId;
  p.comment.user = { login: 'octocat', type: 'User' };
  p.issue.number = issue;
  delete p.issue.pull_request;
  return p;
}

/** A task issue written straight through the port (no webhook, so nothing is dispatched). */
async function taskIssue(app: TestApp, issueNumber: number) {
  const project = await app.deps.port.ensureProject({ owner: OWNER, repo: REPO, installationId: INSTALLATION, defaultBranch: 'main' });
  const { task } = await app.deps.port.upsertTaskFromIssue(project.id, { issueNumber, title: `Task ${issueNumber}`, body: '', estimatedHours: 2 });
  return task;
}

async function state(taskId: number) {
  const task = (await db().db.query<{ status: string; lease_epoch: number }>('SELECT status, lease_epoch FROM tasks WHERE id = $1', [taskId])).rows[0]!;
  const assignments = (
    await db().db.query<{ agent: string; status: string; epoch: number }>(
      'SELECT g.name AS agent, a.status, a.epoch FROM assignments a JOIN agents g ON g.id = a.agent_id WHERE a.task_id = $1 ORDER BY a.epoch',
      [taskId],
    )
  ).rows.map((r) => ({ ...r, epoch: Number(r.epoch) }));
  return { status: task.status, epoch: Number(task.lease_epoch), assignments };
}

/** What the app asks of GitHub for one comment; the permission check is cached after the first. */
function github(issue: number, commentId: number, reaction: '+1' | 'confused', reply?: (body: string) => boolean, opts: { permission?: boolean } = {}): nock.Scope {
  const s = nock(API);
  if (opts.permission !== false) s.get(`${repoPath}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
  s.post(`${repoPath}/issues/comments/${commentId}/reactions`, { content: reaction }).reply(201, {});
  if (reply) s.post(`${repoPath}/issues/${issue}/comments`, (b: { body: string }) => reply(b.body)).reply(201, {});
  return s;
}

describe('/fleet assign <agent>', () => {
  it('assigns the task to a registered agent under a new lease, with a thumbs-up and no reply', async () => {
    const app = await makeApp(db().db);
    await app.engine.heartbeatAgent({ name: 'vm-7', pool: 'default' });
    const task = await taskIssue(app, 21);
    const token = tokenScope();
    const gh = github(21, 7021, '+1');
    await send(app, 'issue_comment', comment(21, '/fleet assign vm-7', 7021));
    gh.done();
    token.done();
    expect(await state(task.id)).toEqual({ status: 'assigned', epoch: 1, assignments: [{ agent: 'vm-7', status: 'active', epoch: 1 }] });
  });

  it('a pool name still routes to the pool and assigns nobody', async () => {
    const app = await makeApp(db().db, { config: { pools: [{ name: 'default', capacity: 1 }, { name: 'gpu', capacity: 1 }] } });
    await app.engine.heartbeatAgent({ name: 'gpu-box', pool: 'gpu' });
    const task = await taskIssue(app, 22);
    await app.deps.port.setHeld(task.id, true);
    const token = tokenScope();
    const gh = github(22, 7022, '+1');
    await send(app, 'issue_comment', comment(22, '/fleet assign gpu', 7022));
    gh.done();
    token.done();
    const row = (await db().db.query<{ required_pool: string | null }>('SELECT required_pool FROM tasks WHERE id = $1', [task.id])).rows[0]!;
    expect(row.required_pool).toBe('gpu');
    expect((await state(task.id)).assignments).toEqual([]);
  });

  it('an unknown name is an error reply naming what is accepted; nothing changes', async () => {
    const app = await makeApp(db().db);
    await app.engine.heartbeatAgent({ name: 'vm-7', pool: 'default' });
    const task = await taskIssue(app, 23);
    const token = tokenScope();
    const gh = github(23, 7023, 'confused', (b) =>
      /^@octocat some commands were not carried out:/.test(b) && /`\/fleet assign ghost`: there is no pool or agent `ghost`; pools in \.github\/fleet\.yml: `default`, or the name of a registered agent/.test(b),
    );
    await send(app, 'issue_comment', comment(23, '/fleet assign ghost', 7023));
    gh.done();
    token.done();
    expect(await state(task.id)).toEqual({ status: 'pending', epoch: 0, assignments: [] });
  });

  it("a task that cannot be assigned gets the engine's reason: held, already assigned, or an inactive agent", async () => {
    const app = await makeApp(db().db);
    await app.engine.heartbeatAgent({ name: 'vm-7', pool: 'default' });
    await app.engine.heartbeatAgent({ name: 'vm-8', pool: 'default' });
    const retired = await app.engine.heartbeatAgent({ name: 'vm-9', pool: 'default' });
    await app.engine.deactivateAgent(retired.id);
    const task = await taskIssue(app, 24);
    const token = tokenScope();

    // the first command applies, the second is refused with the engine's ConflictError message
    const held = github(24, 7024, 'confused', (b) => /`\/fleet assign vm-7`: task i24 cannot be assigned: it is on hold/.test(b) && !/`\/fleet hold`/.test(b));
    await send(app, 'issue_comment', comment(24, '/fleet hold\n/fleet assign vm-7', 7024));
    held.done();
    expect(await state(task.id)).toEqual({ status: 'pending', epoch: 0, assignments: [] });

    const inactive = github(24, 7025, 'confused', (b) => /`\/fleet assign vm-9`: agent vm-9 is deactivated/.test(b), { permission: false });
    await app.deps.port.setHeld(task.id, false); // (through the port: `/fleet unhold` would dispatch it to the pool)
    await send(app, 'issue_comment', comment(24, '/fleet assign vm-9', 7025));
    inactive.done();
    expect(await state(task.id)).toEqual({ status: 'pending', epoch: 0, assignments: [] });

    const first = github(24, 7026, '+1', undefined, { permission: false });
    await send(app, 'issue_comment', comment(24, '/fleet assign vm-7', 7026));
    first.done();
    const taken = github(24, 7027, 'confused', (b) => /`\/fleet assign vm-8`: task i24 cannot be assigned: it is assigned/.test(b), { permission: false });
    await send(app, 'issue_comment', comment(24, '/fleet assign vm-8', 7027));
    taken.done();
    token.done();
    expect(await state(task.id)).toEqual({ status: 'assigned', epoch: 1, assignments: [{ agent: 'vm-7', status: 'active', epoch: 1 }] });
  });
});
