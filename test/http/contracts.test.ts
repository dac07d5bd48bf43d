import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { gitRoutes } from '../../app/http/routes/git.js';
import { progressRoutes } from '../../app/http/routes/progress.js';
import { forecastRoutes } from '../../app/http/routes/forecast.js';
import { storeBaseline } from '../../app/progress/forecast/storeBaseline.js';
import {
  BaselineResponse,
  ForecastResponse,
  AgentHeartbeatResponse,
  AgentProgressResponse,
  AgentListResponse,
  AgentResponse,
  AssignmentHeartbeatResponse,
  AssignmentListResponse,
  BranchesResponse,
  ClaimResponse,
  ErrorResponse,
  GraphResponse,
  HistoryResponse,
  EvidenceCreatedResponse,
  EvidenceListResponse,
  HealthResponse,
  MergeQueueResponse,
  ProgressResponse,
  ProgressSummaryResponse,
  ProjectListResponse,
  SnapshotResponse,
  TaskEvidenceResponse,
  TaskGitResponse,
  TaskListResponse,
  TaskResponse,
  TaskFeedbackResponse,
} from '../../schema/apiResponses.js';

/**
 * Every route's real answer, through the real server, against the response schemas the Action
 * parses with. Parsing strips keys a schema does not know, so comparing the parsed value with the
 * raw answer also fails when the server adds, drops, renames or retypes a field.
 */
function conforms(schema: z.ZodType, r: { status: number; json: unknown }, status = 200): void {
  expect(r.status, JSON.stringify(r.json)?.slice(0, 300)).toBe(status);
  const parsed = schema.safeParse(r.json);
  expect(parsed.success ? [] : parsed.error.issues, 'answer does not parse with its response schema').toEqual([]);
  expect(parsed.data, 'answer carries fields its response schema does not name').toEqual(r.json);
}

describe('API responses match schema/apiResponses.ts', () => {
  let s: TestServer;
  let ids: Map<string, number>;
  let token: string;
  let agentId: number;
  let assignmentId: number;
  beforeAll(async () => {
    s = await startTestServer('contracts', { start: { routes: [gitRoutes, progressRoutes, forecastRoutes] } });
    ({ ids } = await insertProject(s.o.db, [{ key: '1.1', cp: 30 }, { key: '1.2', deps: ['1.1'] }, { key: '2.1', cp: 5 }], 'acme/contracts'));
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    ({ token, agentId } = await mintAgentToken(s.o.db, 'contract-worker', { capacity: 2 }));
  });
  afterAll(() => s.close());

  it('health and task reads', async () => {
    conforms(HealthResponse, await s.call('GET', '/health', undefined, null));
    const list = await s.call('GET', '/api/tasks');
    expect(list.json.tasks).toHaveLength(3);
    conforms(TaskListResponse, list);
    conforms(TaskListResponse, await s.call('GET', '/api/tasks/ready/list'));
    const one = await s.call('GET', '/api/tasks/1.2');
    expect(one.json.task.dependencies).toHaveLength(1);
    conforms(TaskResponse, one);
    // #14: a task's feedback, with every field an item has.
    await s.o.db.query(
      `INSERT INTO feedback (task_id, kind, source, author, url, text, files, round) VALUES ($1, 'changes_requested', 'review:1', 'octocat', 'https://github.com/acme/contracts/pull/1', 'fix it', $2::jsonb, 1)`,
      [ids.get('1.2'), JSON.stringify([{ path: 'a.ts', line: 3, body: 'here' }])],
    );
    const fb = await s.call('GET', '/api/tasks/1.2/feedback');
    expect(fb.json.feedback).toHaveLength(1);
    conforms(TaskFeedbackResponse, fb);
    conforms(TaskFeedbackResponse, await s.call('GET', '/api/tasks/2.1/feedback'));
  });

  it('agent heartbeat, claim, assignment heartbeat, progress, git and the agent views', async () => {
    conforms(AgentHeartbeatResponse, await s.call('POST', '/api/agents/heartbeat', { name: 'contract-worker', pool: 'default', capacity: 2, kind: 'vm' }, token));
    const claim = await s.call('POST', '/api/assignments/claim', {}, token, { 'idempotency-key': 'contract-1' });
    conforms(ClaimResponse, claim);
    assignmentId = claim.json.assignment.id;
    const taskId = claim.json.task.id;

    const withLease = await s.call('POST', '/api/agents/heartbeat', { name: 'contract-worker', assignments: [{ id: assignmentId, epoch: 1 }] }, token);
    expect(withLease.json.leases).toHaveLength(1);
    conforms(AgentHeartbeatResponse, withLease);
    conforms(AssignmentHeartbeatResponse, await s.call('POST', `/api/assignments/${assignmentId}/heartbeat`, { epoch: 1 }, token));
    conforms(ProgressResponse, await s.call('PATCH', `/api/assignments/${assignmentId}/progress`, { epoch: 1, percent_complete: 40, notes: 'started' }, token));
    conforms(ProgressResponse, await s.call('PATCH', `/api/tasks/${taskId}/progress`, { epoch: 1, percent_complete: 60 }, token));
    conforms(TaskGitResponse, await s.call('PATCH', `/api/tasks/${taskId}/git`, { epoch: 1, branch: 'fleet/1.1-x', pr_number: 7, pr_url: 'https://github.com/acme/contracts/pull/7' }, token));
    conforms(ProgressResponse, await s.call('PATCH', `/api/assignments/${assignmentId}/progress`, { epoch: 1, status: 'in_review' }, token));

    const agents = await s.call('GET', '/api/agents');
    expect(agents.json.agents.length).toBeGreaterThan(0);
    conforms(AgentListResponse, agents);
    conforms(AgentResponse, await s.call('GET', `/api/agents/${agentId}`));
    const mine = await s.call('GET', `/api/agents/${agentId}/assignments`);
    expect(mine.json.assignments).toHaveLength(1);
    conforms(AssignmentListResponse, mine);
    conforms(AssignmentListResponse, await s.call('GET', '/api/assignments?status=active'));
  });

  it('the admin assignment and the activation switches', async () => {
    const { agentId: other } = await mintAgentToken(s.o.db, 'contract-other');
    conforms(ClaimResponse, await s.call('POST', '/api/assignments', { task_id: '2.1', agent_id: other }), 201);
    conforms(AgentResponse, await s.call('POST', `/api/agents/${other}/deactivate`));
    conforms(AgentResponse, await s.call('POST', `/api/agents/${other}/activate`));
  });

  it('git: evidence, branches and the merge queue', async () => {
    const created = await s.call('POST', '/api/git/evidence', { task_id: '1.1', type: 'test', summary: 'unit tests', result: 'passed', url: 'https://ci.example.com/1' }, token);
    conforms(EvidenceCreatedResponse, created, 201);
    const feed = await s.call('GET', '/api/git/evidence');
    expect(feed.json.evidence.length).toBeGreaterThan(0);
    conforms(EvidenceListResponse, feed);
    conforms(TaskEvidenceResponse, await s.call('GET', '/api/git/evidence/1.1'));
    const branches = await s.call('GET', '/api/git/branches');
    expect(branches.json.branches).toHaveLength(1);
    conforms(BranchesResponse, branches);
    const queue = await s.call('GET', '/api/git/merge-queue');
    expect(queue.json.tasks.map((t: { key: string }) => t.key)).toEqual(['1.1']);
    conforms(MergeQueueResponse, queue);
  });

  it('progress: summary, projects, agents, snapshot, history and graph', async () => {
    // A project of its own with a task in hand, so the agent view lists current work.
    await insertProject(s.o.db, [{ key: '1.1' }], 'acme/progress');
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
    const { token: busy } = await mintAgentToken(s.o.db, 'contract-busy');
    await s.call('POST', '/api/agents/heartbeat', { name: 'contract-busy' }, busy);
    expect((await s.call('POST', '/api/assignments/claim', { project: 'acme/progress' }, busy)).status).toBe(200);

    const summary = await s.call('GET', '/api/progress/summary');
    expect(summary.json.epics).toHaveLength(3);
    conforms(ProgressSummaryResponse, summary);
    conforms(ProgressSummaryResponse, await s.call('GET', '/api/progress/summary?project=acme/progress'));
    const projects = await s.call('GET', '/api/progress/projects');
    conforms(ProjectListResponse, projects);
    const agents = await s.call('GET', '/api/progress/agents');
    expect(agents.json.agents.some((a: { current_tasks: unknown[] }) => a.current_tasks.length > 0)).toBe(true);
    conforms(AgentProgressResponse, agents);
    const snap = await s.call('POST', '/api/progress/snapshot', {});
    expect(snap.json.snapshots).toHaveLength(2);
    conforms(SnapshotResponse, snap, 201);
    const history = await s.call('GET', `/api/progress/history/${projects.json.projects[0].id}`);
    expect(history.json.snapshots).toHaveLength(1);
    conforms(HistoryResponse, history);
    const graph = await s.call('GET', '/api/progress/graph');
    expect(graph.json.edges.length).toBeGreaterThan(0);
    conforms(GraphResponse, graph);
  });

  it('forecast and baseline', async () => {
    const { rows } = await s.o.db.query<{ id: number }>("SELECT id FROM projects WHERE owner = 'acme' AND repo = 'contracts'");
    expect(await storeBaseline(s.o.db, Number(rows[0]!.id), { reason: 'request', agents: 2 })).not.toBeNull();
    const forecast = await s.call('GET', '/api/progress/forecast?project=acme/contracts&runs=100');
    expect(forecast.json.tasks.map((t: { key: string }) => t.key).sort()).toEqual(['1.1', '1.2', '2.1']);
    expect(forecast.json.tasks.every((t: { baseline: unknown }) => t.baseline !== null)).toBe(true);
    conforms(ForecastResponse, forecast);
    const baseline = await s.call('GET', '/api/progress/baseline?project=acme/contracts');
    expect(baseline.json.tasks).toHaveLength(3);
    conforms(BaselineResponse, baseline);
  });

  it('errors: 400, 401, 403, 404, 409 all carry {error: {code, message}}', async () => {
    conforms(ErrorResponse, await s.call('GET', '/api/tasks?status=nope'), 400);
    conforms(ErrorResponse, await s.call('GET', '/api/tasks', undefined, null), 401);
    conforms(ErrorResponse, await s.call('POST', '/api/agents/heartbeat', { name: 'someone-else' }, token), 403);
    conforms(ErrorResponse, await s.call('GET', '/api/agents/999999'), 404);
    conforms(ErrorResponse, await s.call('PATCH', `/api/assignments/${assignmentId}/progress`, { epoch: 9, percent_complete: 1 }, token), 409);
    conforms(ErrorResponse, await s.call('GET', '/api/nowhere'), 404);
  });

  it('a drifted answer fails the check (an added field, a retyped one)', async () => {
    const r = await s.call('GET', '/api/tasks');
    const drift = (f: (t: Record<string, unknown>) => Record<string, unknown>) => ({ ...r, json: { tasks: r.json.tasks.map(f) } });
    expect(() => conforms(TaskListResponse, drift((t) => ({ ...t, extra: 1 })))).toThrow(/does not name/);
    expect(() => conforms(TaskListResponse, drift((t) => ({ ...t, created_at: 5 })))).toThrow(/does not parse/);
    expect(() => conforms(TaskListResponse, r)).not.toThrow();
    expect(ids.get('1.1')).toBe(r.json.tasks[0].id);
  });
});
