import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { startLocalIssuer, type LocalIssuer } from '../support/oidcIssuer.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { orchestratorRoutes } from '../../app/routes.js';

/**
 * The whole authorization matrix (issue 10), through the real server with every route module
 * `npm start` mounts (app/routes.ts, GitHub App included): who may do what, and where.
 *
 * Actors: the admin; agent A (token minted for project X); agent B (a token for every project);
 * the pool token of project X (the agent `pool/x-runners`, minted for X); GitHub Actions jobs of
 * repositories X and Y (OIDC tokens from a loopback issuer); a deactivated agent; anonymous.
 *
 * Each cell builds its own target (a fresh task, assignment or agent), so no cell depends on
 * another; every route the server registers must have a row, so a new route cannot slip by.
 */

const ACTORS = ['admin', 'agentA', 'agentB', 'poolX', 'jobX', 'jobY', 'deactivated', 'anonymous'] as const;
type ActorName = (typeof ACTORS)[number];

const AUDIENCE = 'https://fleet.authz-matrix.test';
const X = 'acme/matrix-x';
const Y = 'acme/matrix-y';

let s: TestServer;
let issuer: LocalIssuer;
const tokens = {} as Record<ActorName, string | null>;
const agentIds = {} as Record<'agentA' | 'agentB' | 'poolX' | 'poolY' | 'deactivated', number>;
const agentNames = { agentA: 'matrix-a', agentB: 'matrix-b', poolX: 'pool/x-runners', poolY: 'pool/y-runners', deactivated: 'matrix-off' } as const;
let projectIds: { x: number; y: number };
let seq = 0;

// ---------------------------------------------------------------- fixtures (made with the engine, as the app would)

/** A ready task with no dependencies; `indexed` also puts it in the ready index, for claims. */
async function newTask(project: 'x' | 'y', key = `7.${++seq}`, indexed = false): Promise<{ id: number; key: string }> {
  const { rows } = await s.o.db.query<{ id: number }>(
    `INSERT INTO tasks (project_id, key, title, estimated_hours, critical_path_hours, ready_since) VALUES ($1, $2, $3, 1, 1, now()) RETURNING id`,
    [projectIds[project], key, `Task ${key}`],
  );
  const id = Number(rows[0]!.id);
  if (indexed) await s.o.engine.updateTask(id, {});
  return { id, key };
}

/** A task of `project` held by `holder`: pool X or Y (what a dispatch makes), or agent A. */
async function held(project: 'x' | 'y', holder: 'poolX' | 'poolY' | 'agentA', key?: string) {
  const t = await newTask(project, key);
  const c = await s.o.engine.assign(t.id, agentIds[holder]);
  return { taskId: t.id, key: t.key, assignmentId: c.assignment.id, epoch: c.lease.epoch };
}

async function throwawayProject(): Promise<number> {
  const { rows } = await s.o.db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('acme', $1) RETURNING id`, [`matrix-z-${++seq}`]);
  return Number(rows[0]!.id);
}

async function throwawayAgent(active = true): Promise<number> {
  const a = await s.o.engine.heartbeatAgent({ name: `matrix-throwaway-${++seq}` });
  if (!active) await s.o.engine.deactivateAgent(a.id);
  return a.id;
}

const selfId = (actor: ActorName): number | undefined =>
  actor === 'agentA' || actor === 'agentB' || actor === 'poolX' || actor === 'deactivated' ? agentIds[actor] : undefined;

/** Puts the actors back as they started, whatever a cell did (a cell that wrongly succeeded must not change the next). */
async function baseline(): Promise<void> {
  await s.o.db.query(
    `UPDATE agents SET active = (name <> $1), capacity = 1000 WHERE name = ANY($2::text[])`,
    [agentNames.deactivated, Object.values(agentNames)],
  );
}

// ---------------------------------------------------------------- the table

interface Request {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Row {
  /** As the server registers it: `METHOD /path/:param`. */
  route: string;
  target: string;
  expect: Record<ActorName, number>;
  request(actor: ActorName): Promise<Request>;
  /** More to check on a success (e.g. which project a claim came from). */
  check?(actor: ActorName, json: any): string | null;
}

/** Expected statuses in ACTORS order: admin, agentA, agentB, poolX, jobX, jobY, deactivated, anonymous. */
const by = (...codes: number[]): Record<ActorName, number> => {
  if (codes.length !== ACTORS.length) throw new Error(`expected ${ACTORS.length} statuses, got ${codes.length}`);
  return Object.fromEntries(ACTORS.map((a, i) => [a, codes[i]!])) as Record<ActorName, number>;
};

const READ = by(200, 200, 200, 200, 200, 200, 200, 401);
/** Reading one thing of project X: Y's job reads only Y (issue 10), so it gets `forY` (403, or 404 for an agent). */
const X_READ = (forY: number) => ({ ...READ, jobY: forY });
const PUBLIC = by(200, 200, 200, 200, 200, 200, 200, 200);
const ADMIN_ONLY = (ok: number) => by(ok, 403, 403, 403, 403, 403, 403, 401);
// Acting on one assignment, by who holds it:
const ON_POOL_X = (ok: number) => by(ok, 403, 403, ok, ok, 403, 403, 401);
const ON_AGENT_A = (ok: number) => by(ok, ok, 403, 403, ok, 403, 403, 401);
const ON_POOL_Y = (ok: number) => by(ok, 403, 403, 403, 403, ok, 403, 401);

const get = (path: string) => async (): Promise<Request> => ({ method: 'GET', path });

/** The three assignments every per-assignment route is tried on. */
const TARGETS = [
  { target: "pool X's assignment in X (dispatched)", expect: ON_POOL_X, make: () => held('x', 'poolX') },
  { target: "agent A's assignment in X", expect: ON_AGENT_A, make: () => held('x', 'agentA') },
  { target: "pool Y's assignment in Y", expect: ON_POOL_Y, make: () => held('y', 'poolY') },
] as const;

function perAssignment(route: string, ok: number, req: (h: Awaited<ReturnType<typeof held>>) => Request): Row[] {
  return TARGETS.map((t) => ({ route, target: t.target, expect: t.expect(ok), request: async () => req(await t.make()) }));
}

const claimedIn = (want: 'x' | 'y') => (_a: ActorName, json: any) =>
  json?.task?.project_id === projectIds[want] ? null : `claimed task ${json?.task?.id} of project ${json?.task?.project_id}, expected ${want.toUpperCase()}`;

const ROWS: Row[] = [
  // -- public
  { route: 'GET /health', target: '-', expect: PUBLIC, request: get('/health') },
  { route: 'GET /', target: 'dashboard', expect: PUBLIC, request: get('/') },
  { route: 'GET /dashboard', target: 'dashboard', expect: PUBLIC, request: get('/dashboard') },
  { route: 'GET /dashboard/app.js', target: 'dashboard', expect: PUBLIC, request: get('/dashboard/app.js') },
  { route: 'GET /dashboard/style.css', target: 'dashboard', expect: PUBLIC, request: get('/dashboard/style.css') },
  // CORS preflight (@fastify/cors): without FLEET_CORS_ORIGINS no origin is allowed, so there is none to answer, for anyone.
  { route: 'OPTIONS *', target: 'preflight of /api/tasks', expect: by(404, 404, 404, 404, 404, 404, 404, 404), request: async () => ({ method: 'OPTIONS', path: '/api/tasks' }) },
  // Webhooks are authenticated by GitHub's signature, not a bearer token: unsigned is 401 for everyone.
  {
    route: 'POST /api/github/webhooks',
    target: 'unsigned delivery',
    expect: by(401, 401, 401, 401, 401, 401, 401, 401),
    request: async () => ({
      method: 'POST',
      path: '/api/github/webhooks',
      body: { zen: 'unsigned' },
      headers: { 'x-github-delivery': `matrix-${++seq}`, 'x-github-event': 'ping' },
    }),
  },
  // -- reads (a deactivated agent may still read)
  { route: 'GET /ws', target: 'event stream (101 = open)', expect: { ...READ, admin: 101, agentA: 101, agentB: 101, poolX: 101, jobX: 101, jobY: 101, deactivated: 101 }, request: get('/ws') },
  { route: 'GET /api/tasks', target: 'all', expect: READ, request: get('/api/tasks') },
  { route: 'GET /api/tasks/ready/list', target: 'all', expect: READ, request: get('/api/tasks/ready/list') },
  { route: 'GET /api/tasks/:id', target: 'a task of X by id', expect: X_READ(403), request: async () => ({ method: 'GET', path: `/api/tasks/${(await newTask('x')).id}` }) },
  // Keys repeat in every plan: a token with a project looks them up there.
  {
    route: 'GET /api/tasks/:id',
    target: 'a key in both X and Y',
    expect: by(409, 200, 409, 200, 200, 200, 409, 401),
    request: get('/api/tasks/9.1'),
    check: (actor, json) => {
      const want = actor === 'jobY' ? projectIds.y : projectIds.x;
      return json?.task?.project_id === want ? null : `resolved to project ${json?.task?.project_id}, expected ${want}`;
    },
  },
  { route: 'GET /api/tasks/:id/feedback', target: 'a task of X', expect: X_READ(403), request: async () => ({ method: 'GET', path: `/api/tasks/${(await newTask('x')).id}/feedback` }) },
  { route: 'GET /api/agents', target: 'all', expect: READ, request: get('/api/agents') },
  { route: 'GET /api/agents/:id', target: 'agent A', expect: X_READ(404), request: async () => ({ method: 'GET', path: `/api/agents/${agentIds.agentA}` }) },
  { route: 'GET /api/assignments', target: 'all', expect: READ, request: get('/api/assignments') },
  { route: 'GET /api/progress/summary', target: 'all', expect: READ, request: get('/api/progress/summary') },
  { route: 'GET /api/progress/projects', target: 'all', expect: READ, request: get('/api/progress/projects') },
  { route: 'GET /api/progress/agents', target: 'all', expect: READ, request: get('/api/progress/agents') },
  { route: 'GET /api/progress/history/:project_id', target: 'X', expect: X_READ(403), request: async () => ({ method: 'GET', path: `/api/progress/history/${projectIds.x}` }) },
  { route: 'GET /api/progress/graph', target: 'all', expect: READ, request: get('/api/progress/graph') },
  { route: 'GET /api/progress/forecast', target: 'all', expect: READ, request: get('/api/progress/forecast?runs=100') },
  // X has no baseline: readers learn that (404), Y's job does not even learn that much (403).
  { route: 'GET /api/progress/baseline', target: 'X (none stored)', expect: by(404, 404, 404, 404, 404, 403, 404, 401), request: get(`/api/progress/baseline?project=${X}`) },
  { route: 'GET /api/git/branches', target: 'all', expect: READ, request: get('/api/git/branches') },
  { route: 'GET /api/git/evidence', target: 'all', expect: READ, request: get('/api/git/evidence') },
  { route: 'GET /api/git/evidence/:task_id', target: 'a task of X', expect: X_READ(403), request: async () => ({ method: 'GET', path: `/api/git/evidence/${(await newTask('x')).id}` }) },
  { route: 'GET /api/git/merge-queue', target: 'all', expect: READ, request: get('/api/git/merge-queue') },
  { route: 'GET /api/agents/:id/assignments', target: "agent A's active ones", expect: X_READ(404), request: async () => ({ method: 'GET', path: `/api/agents/${agentIds.agentA}/assignments?status=active` }) },
  { route: 'GET /metrics', target: 'Prometheus exposition', expect: READ, request: get('/metrics') },

  // -- registering the App (/setup): the page is public, starting needs the admin, the callback is
  // guarded by its one-time state (a GitHub redirect carries no token)
  { route: 'GET /setup', target: 'page', expect: PUBLIC, request: get('/setup') },
  { route: 'GET /setup/setup.js', target: 'page script', expect: PUBLIC, request: get('/setup/setup.js') },
  {
    route: 'POST /setup/start',
    target: 'an App is already running (admin: 409)',
    expect: by(409, 403, 403, 403, 403, 403, 403, 401),
    request: async () => ({ method: 'POST', path: '/setup/start', body: {} }),
  },
  {
    route: 'GET /setup/callback',
    target: 'a state never issued',
    expect: by(400, 400, 400, 400, 400, 400, 400, 400),
    request: get('/setup/callback?code=matrix-code&state=never-issued-state-0000000000'),
  },

  // -- agents
  {
    route: 'POST /api/agents/heartbeat',
    target: 'agent A, settings unchanged',
    expect: by(200, 200, 403, 403, 403, 403, 403, 401),
    request: async () => ({ method: 'POST', path: '/api/agents/heartbeat', body: { name: agentNames.agentA } }),
  },
  {
    route: 'POST /api/agents/heartbeat',
    target: 'its own agent, raising capacity (admin: another agent)',
    expect: by(200, 403, 403, 403, 403, 403, 403, 401),
    request: async (actor) => {
      const own = selfId(actor);
      const name = actor === 'admin' ? `matrix-throwaway-${++seq}` : own !== undefined ? agentNames[actor as keyof typeof agentNames] : agentNames.agentA;
      return { method: 'POST', path: '/api/agents/heartbeat', body: { name, capacity: 999 } };
    },
  },
  {
    route: 'POST /api/agents/:id/deactivate',
    target: 'another agent',
    expect: ADMIN_ONLY(200),
    request: async () => ({ method: 'POST', path: `/api/agents/${await throwawayAgent()}/deactivate`, body: {} }),
  },
  {
    route: 'POST /api/agents/:id/deactivate',
    target: 'itself (admin and jobs: another agent)',
    expect: by(200, 200, 200, 200, 403, 403, 403, 401),
    request: async (actor) => ({ method: 'POST', path: `/api/agents/${selfId(actor) ?? (await throwawayAgent())}/deactivate`, body: {} }),
  },
  {
    route: 'POST /api/agents/:id/activate',
    target: 'a deactivated agent (the deactivated one: itself)',
    expect: ADMIN_ONLY(200),
    request: async (actor) => ({
      method: 'POST',
      path: `/api/agents/${actor === 'deactivated' ? agentIds.deactivated : await throwawayAgent(false)}/activate`,
      body: {},
    }),
  },

  // -- claims
  {
    route: 'POST /api/assignments',
    target: 'a task of X to agent A',
    expect: ADMIN_ONLY(201),
    request: async () => ({ method: 'POST', path: '/api/assignments', body: { task_id: (await newTask('x')).id, agent_id: agentIds.agentA } }),
  },
  {
    route: 'POST /api/assignments/claim',
    target: 'best task, naming X',
    expect: by(200, 200, 200, 200, 200, 403, 403, 401),
    request: async () => {
      await newTask('x', undefined, true);
      return { method: 'POST', path: '/api/assignments/claim', body: { pool: 'matrix', project: X } };
    },
    check: claimedIn('x'),
  },
  {
    route: 'POST /api/assignments/claim',
    target: 'best task, naming no project',
    expect: by(200, 200, 200, 200, 200, 200, 403, 401),
    request: async () => {
      await newTask('x', undefined, true);
      await newTask('y', undefined, true);
      return { method: 'POST', path: '/api/assignments/claim', body: { pool: 'matrix' } };
    },
    check: (actor, json) => (actor === 'jobY' ? claimedIn('y')(actor, json) : actor === 'admin' || actor === 'agentB' ? null : claimedIn('x')(actor, json)),
  },
  {
    route: 'POST /api/assignments/claim',
    target: "confirm pool X's dispatch, naming X",
    expect: ON_POOL_X(200),
    request: async () => {
      const h = await held('x', 'poolX');
      return { method: 'POST', path: '/api/assignments/claim', body: { task_key: h.key, epoch: h.epoch, project: X } };
    },
  },
  {
    route: 'POST /api/assignments/claim',
    target: "confirm pool X's dispatch by key only (the key is in X and Y)",
    // Admin and B: ambiguous; Y's job finds Y's own copy, which nobody holds.
    expect: by(409, 403, 409, 200, 200, 409, 403, 401),
    request: async () => {
      const key = `8.${++seq}`;
      await newTask('y', key);
      const h = await held('x', 'poolX', key);
      return { method: 'POST', path: '/api/assignments/claim', body: { task_key: key, epoch: h.epoch } };
    },
  },

  // -- acting on one assignment
  ...perAssignment('POST /api/assignments/:id/heartbeat', 200, (h) => ({ method: 'POST', path: `/api/assignments/${h.assignmentId}/heartbeat`, body: { epoch: h.epoch } })),
  ...perAssignment('PATCH /api/assignments/:id/progress', 200, (h) => ({
    method: 'PATCH',
    path: `/api/assignments/${h.assignmentId}/progress`,
    body: { epoch: h.epoch, percent_complete: 40, notes: 'matrix' },
  })),
  ...perAssignment('PATCH /api/tasks/:id/progress', 200, (h) => ({ method: 'PATCH', path: `/api/tasks/${h.taskId}/progress`, body: { epoch: h.epoch, status: 'in_progress' } })),
  ...perAssignment('PATCH /api/tasks/:id/git', 200, (h) => ({ method: 'PATCH', path: `/api/tasks/${h.taskId}/git`, body: { epoch: h.epoch, branch: `fleet/${h.key}` } })),
  ...perAssignment('POST /api/git/evidence', 201, (h) => ({ method: 'POST', path: '/api/git/evidence', body: { task_id: h.taskId, type: 'note', summary: 'matrix' } })),

  ...perAssignment('POST /api/assignments/:id/usage', 200, (h) => ({ method: 'POST', path: `/api/assignments/${h.assignmentId}/usage`, body: { epoch: h.epoch, cost_usd: 0.01 } })),

  // -- guard rails (issue 15): a throwaway project, so pausing it touches no other row
  { route: 'GET /api/projects/:project/guards', target: 'X', expect: X_READ(403), request: async () => ({ method: 'GET', path: `/api/projects/${projectIds.x}/guards` }) },
  { route: 'POST /api/projects/:project/pause', target: 'a throwaway project', expect: ADMIN_ONLY(200), request: async () => ({ method: 'POST', path: `/api/projects/${await throwawayProject()}/pause`, body: {} }) },
  { route: 'POST /api/projects/:project/resume', target: 'a throwaway project', expect: ADMIN_ONLY(200), request: async () => ({ method: 'POST', path: `/api/projects/${await throwawayProject()}/resume`, body: {} }) },
  {
    route: 'PUT /api/projects/:project/budgets',
    target: 'a throwaway project',
    expect: ADMIN_ONLY(200),
    request: async () => ({ method: 'PUT', path: `/api/projects/${await throwawayProject()}/budgets`, body: { perTaskUsd: 1 } }),
  },

  // -- progress
  {
    route: 'POST /api/progress/snapshot',
    target: 'X',
    expect: by(201, 201, 201, 201, 201, 403, 403, 401),
    request: async () => ({ method: 'POST', path: '/api/progress/snapshot', body: { project: X } }),
  },
];

// ---------------------------------------------------------------- running a cell

async function send(actor: ActorName, r: Request): Promise<{ status: number; json: any }> {
  const token = tokens[actor];
  if (r.path === '/ws') return openWs(token);
  const res = await s.call(r.method, r.path, r.body, token, r.headers);
  return { status: res.status, json: res.json };
}

/** 101 when the stream opens and says hello, 401 when the server closes it with 4401. */
function openWs(token: string | null): Promise<{ status: number; json: any }> {
  const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws', token ? ['fleet.v1', `bearer.${token}`] : ['fleet.v1']);
  return new Promise((resolve) => {
    ws.once('message', (m) => {
      ws.close();
      resolve({ status: 101, json: JSON.parse(String(m)) });
    });
    ws.once('close', (code) => resolve({ status: code === 4401 ? 401 : code, json: null }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, json: null }));
    ws.once('error', () => resolve({ status: 0, json: null }));
  });
}

/** Every `METHOD /path` the server registered, read from Fastify's route tree. */
function registeredRoutes(): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of s.o.api.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│├└─\s]*)(\S.*?)(?: \(([^)]+)\))?$/.exec(line);
    if (!m || !m[2]) continue;
    const depth = m[1]!.length / 4 - 1;
    if (depth < 0) continue;
    stack.length = depth;
    stack[depth] = (depth > 0 ? stack[depth - 1]! : '') + m[2];
    for (const method of (m[3] ?? '').split(',').map((x) => x.trim()).filter((x) => x && x !== 'HEAD')) out.add(`${method} ${stack[depth]}`);
  }
  return out;
}

// ---------------------------------------------------------------- setup

beforeAll(async () => {
  issuer = await startLocalIssuer(AUDIENCE);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const env: Record<string, string> = {
    FLEET_PUBLIC_URL: AUDIENCE,
    FLEET_OIDC_ISSUER: issuer.url,
    FLEET_OIDC_REPOSITORIES: `${X},${Y}`,
    // The GitHub App is mounted too (its webhook route is in the table); GitHub itself is unreachable.
    APP_ID: '1',
    WEBHOOK_SECRET: 'matrix-webhook-secret',
    PRIVATE_KEY: privateKey,
    GHE_HOST: '127.0.0.1:9',
    GHE_PROTOCOL: 'http',
    LOG_LEVEL: 'silent',
  };
  s = await startTestServer('authz_matrix', { redis: true, env, start: { routes: await orchestratorRoutes({ ...process.env, ...env }) } });
  const x = await insertProject(s.o.db, [{ key: '9.1' }], X);
  const y = await insertProject(s.o.db, [{ key: '9.1' }], Y);
  projectIds = { x: x.projectId, y: y.projectId };

  const a = await mintAgentToken(s.o.db, agentNames.agentA, { project: X, capacity: 1000 });
  const b = await mintAgentToken(s.o.db, agentNames.agentB, { capacity: 1000 });
  const pool = await mintAgentToken(s.o.db, agentNames.poolX, { pool: 'x-runners', project: X, capacity: 1000 });
  const off = await mintAgentToken(s.o.db, agentNames.deactivated, { capacity: 1000 });
  const poolY = await s.o.engine.poolAgent({ name: 'y-runners', capacity: 1000 });
  await s.o.engine.poolAgent({ name: 'matrix', capacity: 1000 });
  await s.o.engine.deactivateAgent(off.agentId);
  Object.assign(agentIds, { agentA: a.agentId, agentB: b.agentId, poolX: pool.agentId, poolY: poolY.id, deactivated: off.agentId });
  Object.assign(tokens, {
    admin: s.admin,
    agentA: a.token,
    agentB: b.token,
    poolX: pool.token,
    // Two hours of validity: the whole table runs within one.
    jobX: await issuer.token(X, { expiresInSeconds: 7200 }),
    jobY: await issuer.token(Y, { expiresInSeconds: 7200 }),
    deactivated: off.token,
    anonymous: null,
  });
  await s.o.engine.refreshAll();
  await s.o.engine.rebuildQueue();
});
afterAll(async () => {
  await s?.close();
  await issuer?.close();
});

describe('authorization matrix', () => {
  it('has a row for every route the server registers, and no row for a route it does not', () => {
    const registered = registeredRoutes();
    const inTable = new Set(ROWS.map((r) => r.route));
    expect([...registered].filter((r) => !inTable.has(r)).sort(), 'routes without a row').toEqual([]);
    expect([...inTable].filter((r) => !registered.has(r)).sort(), 'rows for routes the server does not have').toEqual([]);
  });

  // About 450 requests, each with its own fixture: minutes on a loaded machine, seconds on an idle one.
  it('answers each actor on each route with the expected status', { timeout: 600_000 }, async () => {
    const wrong: string[] = [];
    const table: string[] = [`${'route'.padEnd(40)} ${'target'.padEnd(58)} ${ACTORS.map((a) => a.slice(0, 11).padStart(11)).join(' ')}`];
    for (const row of ROWS) {
      const got: string[] = [];
      for (const actor of ACTORS) {
        const req = await row.request(actor);
        const res = await send(actor, req);
        const want = row.expect[actor];
        let cell = String(res.status);
        if (res.status !== want) {
          wrong.push(`${row.route} [${row.target}] as ${actor}: got ${res.status}, expected ${want}: ${JSON.stringify(res.json?.error ?? res.json)?.slice(0, 200)}`);
          cell += '!';
        } else if (res.status < 300 && row.check) {
          const problem = row.check(actor, res.json);
          if (problem) {
            wrong.push(`${row.route} [${row.target}] as ${actor}: ${problem}`);
            cell += '!';
          }
        }
        got.push(cell.padStart(11));
        await baseline();
      }
      table.push(`${row.route.padEnd(40)} ${row.target.slice(0, 58).padEnd(58)} ${got.join(' ')}`);
    }
    expect(wrong, `\n${table.join('\n')}\n`).toEqual([]);
  });
});
