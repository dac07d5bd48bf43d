import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { eventually } from '../support/eventually.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { startLocalIssuer, type LocalIssuer } from '../support/oidcIssuer.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { gitRoutes } from '../../app/http/routes/git.js';

/**
 * Issue 10: a token confined to one project (a GitHub Actions job of repository X, an agent
 * token minted for X) reads X only: tasks, agents, assignments, progress, branches, evidence,
 * the merge queue. The admin and unconfined tokens read every project; `?project=` filters.
 */

const AUDIENCE = 'https://fleet.scoped-reads.test';
const X = 'acme/scoped-x';
const Y = 'acme/scoped-y';

let s: TestServer;
let issuer: LocalIssuer;
const ids = { x: 0, y: 0 };
const task = { x: 0, y: 0 };
const assignment = { x: 0, y: 0 };
const agent = { x: 0, y: 0 };
let tokens: { jobX: string; agentX: string; unscoped: string };

beforeAll(async () => {
  issuer = await startLocalIssuer(AUDIENCE);
  s = await startTestServer('scoped_reads', {
    env: { FLEET_PUBLIC_URL: AUDIENCE, FLEET_OIDC_ISSUER: issuer.url, FLEET_OIDC_REPOSITORIES: `${X},${Y}` },
    start: { routes: [progressRoutes, gitRoutes] },
  });
  const x = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], X);
  const y = await insertProject(s.o.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], Y);
  ids.x = x.projectId;
  ids.y = y.projectId;
  task.x = x.ids.get('1.1')!;
  task.y = y.ids.get('1.1')!;
  await s.o.engine.refreshAll();
  await s.o.engine.rebuildQueue();

  // Each project's 1.1 is held by its own pool agent, in review with a branch, a PR and a note.
  for (const p of ['x', 'y'] as const) {
    const pool = await s.o.engine.poolAgent({ name: `scoped-${p}-runners`, capacity: 10 });
    agent[p] = pool.id;
    const c = await s.o.engine.assign(task[p], pool.id);
    assignment[p] = c.assignment.id;
    await s.o.engine.updateTask(task[p], { prNumber: p === 'x' ? 11 : 21, branch: `fleet/${p}-1.1` });
    const note = await s.call('POST', '/api/git/evidence', { task_id: task[p], type: 'note', summary: `note of ${p}` });
    expect(note.status).toBe(201);
  }
  await s.o.engine.setStatus(x.ids.get('1.2')!, 'in_review', 'test');
  await s.o.engine.updateTask(x.ids.get('1.2')!, { prNumber: 12 });
  await s.o.engine.setStatus(y.ids.get('1.2')!, 'in_review', 'test');
  await s.o.engine.updateTask(y.ids.get('1.2')!, { prNumber: 22 });
  expect((await s.call('POST', '/api/progress/snapshot', {})).status).toBe(201);

  const agentX = await mintAgentToken(s.o.db, 'scoped-agent-x', { project: X });
  const unscoped = await mintAgentToken(s.o.db, 'scoped-agent-any');
  tokens = { jobX: await issuer.token(X, { expiresInSeconds: 3600 }), agentX: agentX.token, unscoped: unscoped.token };
});
afterAll(async () => {
  await s?.close();
  await issuer?.close();
});

const projectIdsOf = (tasks: { project_id: number }[]) => [...new Set(tasks.map((t) => t.project_id))].sort();

describe('reads of a project-scoped token', () => {
  it('a job of X lists the tasks of X only, and may not name Y', async () => {
    const r = await s.call('GET', '/api/tasks', undefined, tokens.jobX);
    expect(r.status).toBe(200);
    expect(projectIdsOf(r.json.tasks)).toEqual([ids.x]);
    expect(r.json.tasks).toHaveLength(3);
    expect((await s.call('GET', `/api/tasks?project=${Y}`, undefined, tokens.jobX)).status).toBe(403);
    expect((await s.call('GET', `/api/tasks?project=${X}`, undefined, tokens.jobX)).json.tasks).toHaveLength(3);
    const ready = await s.call('GET', '/api/tasks/ready/list', undefined, tokens.jobX);
    expect(projectIdsOf(ready.json.tasks)).toEqual([ids.x]);
  });

  it('a task of Y by id is refused to X tokens; the admin and unscoped tokens read both', async () => {
    for (const t of [tokens.jobX, tokens.agentX]) {
      expect((await s.call('GET', `/api/tasks/${task.y}`, undefined, t)).status).toBe(403);
      expect((await s.call('GET', `/api/tasks/${task.x}`, undefined, t)).status).toBe(200);
      expect((await s.call('GET', `/api/git/evidence/${task.y}`, undefined, t)).status).toBe(403);
    }
    for (const t of [s.admin, tokens.unscoped]) {
      expect(projectIdsOf((await s.call('GET', '/api/tasks', undefined, t)).json.tasks)).toEqual([ids.x, ids.y].sort());
      expect((await s.call('GET', `/api/tasks/${task.y}`, undefined, t)).status).toBe(200);
    }
    // ?project= filters for the admin as well.
    expect(projectIdsOf((await s.call('GET', `/api/tasks?project=${Y}`)).json.tasks)).toEqual([ids.y]);
  });

  it('a token minted for X now is confined to X; minted again without a project, to none', async () => {
    // Minted inside the test (not in beforeAll) so a mutation run sees the mint's own code.
    const { token } = await mintAgentToken(s.o.db, 'scoped-mint-now', { project: X });
    expect((await s.call('GET', `/api/tasks/${task.y}`, undefined, token)).status).toBe(403);
    expect((await s.call('GET', `/api/tasks/${task.x}`, undefined, token)).status).toBe(200);
    const again = await mintAgentToken(s.o.db, 'scoped-mint-now');
    expect((await s.call('GET', `/api/tasks/${task.y}`, undefined, again.token)).status).toBe(200);
    // The old token went with the new one.
    expect((await s.call('GET', `/api/tasks/${task.x}`, undefined, token)).status).toBe(401);
  });

  it('assignments and agents: only those of X', async () => {
    const list = await s.call('GET', '/api/assignments', undefined, tokens.jobX);
    expect(list.status).toBe(200);
    expect(list.json.assignments.map((a: { id: number }) => a.id)).toEqual([assignment.x]);
    const all = await s.call('GET', '/api/assignments');
    expect(all.json.assignments.map((a: { id: number }) => a.id).sort()).toEqual([assignment.x, assignment.y].sort());

    const agents = (await s.call('GET', '/api/agents', undefined, tokens.agentX)).json.agents.map((a: { id: number }) => a.id);
    expect(agents).toContain(agent.x);
    expect(agents).not.toContain(agent.y);
    expect((await s.call('GET', `/api/agents/${agent.y}`, undefined, tokens.jobX)).status).toBe(404);
    expect((await s.call('GET', `/api/agents/${agent.x}`, undefined, tokens.jobX)).status).toBe(200);
    expect((await s.call('GET', `/api/agents/${agent.y}/assignments`, undefined, tokens.jobX)).status).toBe(404);
    expect((await s.call('GET', `/api/agents/${agent.y}`)).status).toBe(200);
  });

  it('progress: summary, projects, agents, history and graph of X only', async () => {
    const summary = await s.call('GET', '/api/progress/summary', undefined, tokens.jobX);
    expect(summary.status).toBe(200);
    expect([...new Set(summary.json.epics.map((e: { project: string }) => e.project))]).toEqual([X]);
    expect(summary.json.overall.tasks_by_status.in_review).toBe(1);
    expect((await s.call('GET', '/api/progress/summary')).json.overall.tasks_by_status.in_review).toBe(2);

    const projects = await s.call('GET', '/api/progress/projects', undefined, tokens.jobX);
    expect(projects.json.projects.map((p: { name: string }) => p.name)).toEqual([X]);

    const agents = (await s.call('GET', '/api/progress/agents', undefined, tokens.jobX)).json.agents as { id: number; current_tasks: { project: string }[] }[];
    expect(agents.map((a) => a.id)).not.toContain(agent.y);
    expect(agents.flatMap((a) => a.current_tasks.map((c) => c.project))).toEqual([X]);

    expect((await s.call('GET', `/api/progress/history/${ids.y}`, undefined, tokens.jobX)).status).toBe(403);
    expect((await s.call('GET', `/api/progress/history/${ids.x}`, undefined, tokens.jobX)).json.snapshots).toHaveLength(1);

    const graph = await s.call('GET', '/api/progress/graph', undefined, tokens.jobX);
    expect(graph.json.nodes).toHaveLength(3);
    expect(graph.json.nodes.map((n: { id: number }) => n.id)).toContain(task.x);
  });

  it('git: branches, evidence and the merge queue of X only', async () => {
    const branches = await s.call('GET', '/api/git/branches', undefined, tokens.jobX);
    expect([...new Set(branches.json.branches.map((b: { project: string }) => b.project))]).toEqual([X]);
    const evidence = await s.call('GET', '/api/git/evidence', undefined, tokens.jobX);
    expect(evidence.json.evidence.map((e: { project: string }) => e.project)).toEqual([X]);
    const queue = await s.call('GET', '/api/git/merge-queue', undefined, tokens.jobX);
    expect(queue.status).toBe(200);
    expect([...new Set(queue.json.tasks.map((t: { project: string }) => t.project))]).toEqual([X]);
    expect(new Set((await s.call('GET', '/api/git/merge-queue')).json.tasks.map((t: { project: string }) => t.project))).toEqual(new Set([X, Y]));
  });

  it('the event stream: a job of X hears of X only; the admin of both', async () => {
    const listen = async (token: string) => {
      const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws', ['fleet.v1', `bearer.${token}`]);
      const seen: { type: string; data: { task_id?: number; id?: number } }[] = [];
      ws.on('message', (m) => seen.push(JSON.parse(String(m))));
      await new Promise<void>((res, rej) => {
        ws.once('message', () => res());
        ws.once('error', rej);
      });
      return { ws, seen };
    };
    const job = await listen(tokens.jobX);
    const admin = await listen(s.admin);
    // Y's event first, then X's: once X's has reached the job, Y's would have too.
    for (const p of ['y', 'x'] as const) {
      const r = await s.call('POST', '/api/git/evidence', { task_id: task[p], type: 'note', summary: `event of ${p}` });
      expect(r.status).toBe(201);
    }
    const evidenceOf = (seen: { type: string; data: { task_id?: number } }[]) => seen.filter((e) => e.type === 'evidence.created').map((e) => e.data.task_id);
    await eventually(() => expect(evidenceOf(job.seen)).toContain(task.x));
    await eventually(() => expect(evidenceOf(admin.seen)).toEqual([task.y, task.x]));
    expect(evidenceOf(job.seen)).toEqual([task.x]);
    job.ws.close();
    admin.ws.close();
  });
});
