import { describe, expect, it } from 'vitest';
import nock from 'nock';
import { API, OWNER, REPO, example, makeApp, tokenScope, type TestApp, useGitHubTestDb } from '../github/helpers.js';
import { guardCommands } from '../../app/guards/guardCommands.js';
import { guardsFor } from '../../app/guards/guardsFor.js';
import { holdTasks } from '../../app/guards/sql/guardHolds.js';

/**
 * Issue 15: `/fleet pause`, `/fleet resume` and `/fleet stop <task>` from issue comments (write
 * access), and the bot rule: a bot's or an App's comment never runs a command.
 */
const db = useGitHubTestDb('guards_commands');
const repoPath = `/repos/${OWNER}/${REPO}`;
let seq = 0;
const send = (app: TestApp, payload: unknown) => app.probot.receive({ id: `guards-${++seq}`, name: 'issue_comment', payload } as never);

function comment(issue: number, body: string, commentId: number, user: { login: string; type: string } = { login: 'octocat', type: 'User' }) {
  const p = example<{ comment: Record<string, unknown>; issue: Record<string, unknown>; sender: Record<string, unknown> }>('issue_comment', 'created');
  p.comment.body = body;
  p.comment.id = commentId;
  p.comment.user = user;
  p.sender = { ...p.sender, ...user };
  p.issue.number = issue;
  delete p.issue.pull_request;
  return p;
}

function github(issue: number, commentId: number, reaction: '+1' | 'confused', reply: (body: string) => boolean, askPermission = true): nock.Scope {
  const s = nock(API);
  // The role is cached per app: only the first comment of a test asks.
  if (askPermission) s.get(`${repoPath}/collaborators/octocat/permission`).reply(200, { permission: 'write', role_name: 'write' });
  return s
    .post(`${repoPath}/issues/comments/${commentId}/reactions`, { content: reaction })
    .reply(201, {})
    .post(`${repoPath}/issues/${issue}/comments`, (b: { body: string }) => reply(b.body))
    .reply(201, {});
}

/** What `/fleet status`, commented by a writer on task i31's issue, answers there. */
async function statusReply(app: TestApp, commentId: number): Promise<string> {
  let reply = '';
  const token = tokenScope();
  const gh = github(31, commentId, '+1', (body) => {
    reply = body;
    return true;
  });
  await send(app, comment(31, '/fleet status', commentId));
  gh.done();
  token.done();
  return reply;
}

async function setup(allowBots: string[] = []) {
  // No pools: resume must not dispatch workflows in this test.
  const app = await makeApp(db().db, { config: { pools: [], commands: { allow: 'write', allowBots } } });
  app.deps.guards = guardCommands({ db: db().db, engine: app.engine });
  const project = await app.deps.port.ensureProject({ owner: OWNER, repo: REPO, installationId: 1, defaultBranch: 'main' });
  const a = (await app.deps.port.upsertTaskFromIssue(project.id, { issueNumber: 31, title: 'Task 31', body: '', estimatedHours: 2 })).task;
  const b = (await app.deps.port.upsertTaskFromIssue(project.id, { issueNumber: 32, title: 'Task 32', body: '', estimatedHours: 2 })).task;
  await app.engine.refreshAll();
  return { app, project, a, b };
}

describe('/fleet pause, resume and stop', () => {
  it('pause holds every pending task and nothing is handed out; resume releases them', async () => {
    const { app, project } = await setup();
    const token = tokenScope();
    const gh = github(31, 9001, '+1', (b) => /^Paused: nothing is dispatched/.test(b));
    await send(app, comment(31, '/fleet PAUSE', 9001));
    gh.done();
    const agent = await app.engine.poolAgent({ name: 'default', capacity: 5 });
    expect(await app.engine.claim(agent.id, { projectId: project.id })).toBeNull();
    const gh2 = github(32, 9002, '+1', (b) => /^Resumed: 2 task\(s\)/.test(b), false);
    await send(app, comment(32, '/fleet resume', 9002));
    gh2.done();
    token.done();
    expect(await app.engine.claim(agent.id, { projectId: project.id })).not.toBeNull();
  });

  it('stop cancels the task run, ends its assignment without an attempt and holds the task', async () => {
    const { app, project, a } = await setup();
    const agent = await app.engine.poolAgent({ name: 'default', capacity: 5 });
    const c = (await app.engine.claim(agent.id, { projectId: project.id }))!;
    expect(c.task.id).toBe(a.id);
    await db().db.query('UPDATE assignments SET workflow_run_id = 777 WHERE id = $1', [c.assignment.id]);
    const token = tokenScope();
    const cancel = nock(API).post(`${repoPath}/actions/runs/777/cancel`).reply(202, {});
    const gh = github(32, 9003, '+1', (b) => b.includes(`Stopped task ${a.key}: run 777 was cancelled`));
    await send(app, comment(32, '/fleet stop #31', 9003));
    gh.done();
    cancel.done();
    token.done();
    expect((await app.engine.getAssignment(c.assignment.id)).status).toBe('released');
    const row = (await db().db.query<{ held: boolean; hold_reason: string; attempts: number }>('SELECT held, hold_reason, attempts FROM tasks WHERE id = $1', [a.id])).rows[0];
    expect(row).toEqual({ held: true, hold_reason: 'stopped', attempts: 0 });
  });

  it("a bot's comment, or one made through an App, never runs a command (no GitHub call at all)", async () => {
    const { app, project } = await setup();
    await send(app, comment(31, '/fleet pause', 9005, { login: 'renovate[bot]', type: 'Bot' }));
    const viaApp = comment(31, '/fleet pause', 9006);
    (viaApp.comment as Record<string, unknown>).performed_via_github_app = { id: 99, slug: 'some-app' };
    await send(app, viaApp);
    const paused = (await db().db.query<{ paused: boolean }>('SELECT paused FROM projects WHERE id = $1', [project.id])).rows[0]!.paused;
    expect(paused).toBe(false);
  });

  it('a bot listed in commands.allowBots still runs nothing: bots never steer (the key is accepted without effect)', async () => {
    const { app, project } = await setup(['renovate[bot]']);
    await send(app, comment(31, '/fleet pause', 9007, { login: 'renovate[bot]', type: 'Bot' }));
    const paused = (await db().db.query<{ paused: boolean }>('SELECT paused FROM projects WHERE id = $1', [project.id])).rows[0]!.paused;
    expect(paused).toBe(false);
  });

  it('/fleet status says the project is paused, which tasks are held for budget, and which circuits are open until when', async () => {
    const { app, project, b } = await setup();
    const guards = guardsFor({ db: db().db, engine: app.engine });
    await holdTasks(db().db, project.id, [b.id], 'budget');
    for (let i = 0; i < 5; i++) await guards.recordEnding(project.id, 'gpu', i % 2 ? 'rate_limited' : 'agent_error');
    const [circuit] = await guards.circuits(project.id);
    expect(circuit).toMatchObject({ pool: 'gpu', status: 'open' });
    await guards.pause(project.id);

    const reply = await statusReply(app, 9010);
    expect(reply).toContain('**Task i31**');
    expect(reply).toContain('The project is **paused**');
    expect(reply).toContain(`Held for budget: ${b.key}.`);
    expect(reply).toContain(`Pool \`gpu\`: circuit open until ${circuit!.open_until}, last failure agent_error.`);
  });

  it('/fleet status of a project with no guard in force says nothing about guards', async () => {
    const { app } = await setup();
    const reply = await statusReply(app, 9011);
    expect(reply).toContain('**Task i31**');
    expect(reply).not.toMatch(/paused|Held for budget|circuit/);
  });

  it('pause and stop from someone with triage access change nothing and say that write access is needed', async () => {
    const { app, project, a } = await setup();
    let reply = '';
    const token = tokenScope();
    const gh = nock(API)
      .get(`${repoPath}/collaborators/octocat/permission`)
      .reply(200, { permission: 'read', role_name: 'triage' })
      .post(`${repoPath}/issues/comments/9020/reactions`, { content: 'confused' })
      .reply(201, {})
      .post(`${repoPath}/issues/31/comments`, (b: { body: string }) => {
        reply = b.body;
        return true;
      })
      .reply(201, {});
    await send(app, comment(31, '/fleet pause\n\n/fleet stop #31', 9020));
    gh.done();
    token.done();
    expect(reply).toContain('fleet commands need write access to this repository (you have triage); nothing was changed.');
    const row = (await db().db.query<{ paused: boolean }>('SELECT paused FROM projects WHERE id = $1', [project.id])).rows[0]!;
    expect(row.paused).toBe(false);
    expect((await db().db.query<{ held: boolean }>('SELECT held FROM tasks WHERE id = $1', [a.id])).rows[0]!.held).toBe(false);
  });
});
