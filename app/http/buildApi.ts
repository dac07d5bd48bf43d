import { findProject } from '../engine/sql/findProject.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { Engine } from '../engine/engine.js';
import { FleetError, NotFoundError } from '../core/errors.js';
import { bearer, type Authenticator } from './auth.js';
import { isDatabaseUnavailable } from '../store/unavailable.js';
import { taskRoutes } from './routes/tasks.js';
import { feedbackRoutes } from './routes/feedback.js';
import { agentRoutes } from './routes/agents.js';
import { assignmentRoutes } from './routes/assignments.js';
import { guardRoutes } from './routes/guards.js';
import { healthRoutes, type HealthCheck } from './routes/health.js';
import { wsRoutes } from './routes/ws.js';
import type { Periodic } from '../engine/periodic.js';
import type { Logger } from 'pino';

export interface ApiDeps {
  db: Db;
  engine: Engine;
  auth: Authenticator;
  publicRead: boolean;
  health: Record<string, HealthCheck>;
  /** Background jobs that must run in one process at a time (snapshots, reconcile). */
  periodic?: Pick<Periodic, 'register'> | undefined;
  /** Resolves owner/repo to a project id (404 when unknown). */
  projectId(fullName: string): Promise<number>;
}

/** More routes mounted by other parts (progress, git, dashboard, GitHub webhooks) without this file knowing them. */
export type RouteModule = (app: FastifyInstance, deps: ApiDeps) => Promise<void>;

export interface BuildApiOptions {
  deps: Omit<ApiDeps, 'projectId' | 'publicRead'>;
  /** Request logs go here (pino); they carry method, URL and status, never headers or bodies. */
  log?: Logger | undefined;
  corsOrigins?: string[] | undefined;
  extraRoutes?: RouteModule[] | undefined;
  /** Fastify trustProxy: whose X-Forwarded-Proto says a request came over TLS. Default none. */
  trustProxy?: boolean | string[] | undefined;
  /** FLEET_PUBLIC_URL: when https, every response carries HSTS and upgrade-insecure-requests. */
  publicUrl?: string | undefined;
}

export async function buildApi(opts: BuildApiOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Request logs carry the path without its query string: /ws?token=... must never reach a log.
    ...(opts.log ? { loggerInstance: opts.log.child({}, { serializers: { req: requestForLog } }) as unknown as FastifyBaseLogger } : { logger: false }),
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { maxParamLength: 200 },
    trustProxy: opts.trustProxy ?? false,
  });

  const deps: ApiDeps = {
    ...opts.deps,
    publicRead: opts.deps.auth.publicRead,
    async projectId(fullName: string) {
      const [owner, repo] = fullName.split('/');
      const found = await findProject(opts.deps.db, owner ?? '', repo ?? '');
      if (!found) throw new NotFoundError(`no project ${fullName}: seed a plan for it first ("fleet seed <plan> --project ${fullName}")`);
      return found.id;
    },
  };

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        imgSrc: ["'self'", 'data:'],
        // Over plain HTTP (a hub VM at http://<ip>:3000) these would turn the page's own script and
        // style into https requests that fail: added below only where https is real.
        upgradeInsecureRequests: null,
      },
    },
    hsts: false,
  });
  const publicHttps = opts.publicUrl?.startsWith('https://') ?? false;
  app.addHook('onRequest', async (req, reply) => {
    // req.protocol is https for TLS here, or per X-Forwarded-Proto from a trusted proxy only.
    if (!publicHttps && req.protocol !== 'https') return;
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const csp = reply.getHeader('content-security-policy');
    if (typeof csp === 'string') reply.header('content-security-policy', `${csp};upgrade-insecure-requests`);
  });
  await app.register(cors, { origin: opts.corsOrigins?.length ? opts.corsOrigins : false });
  await app.register(websocket, {
    options: {
      maxPayload: 64 * 1024,
      // The dashboard sends its token as a subprotocol; answer with the plain protocol name so
      // the token is never echoed back.
      handleProtocols: (protocols) => (protocols.has('fleet.v1') ? 'fleet.v1' : false),
    },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    const header = req.headers.authorization;
    let token = bearer(header);
    if (!token && (req.url === '/ws' || req.url.startsWith('/ws?'))) {
      token = wsToken(req.headers['sec-websocket-protocol']) ?? queryToken(req.url);
    }
    req.principal = await deps.auth.resolve(token);
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    // A dependency down is the server's state, not the request's fault, and passes: 503 + Retry-After.
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply.code(503).header('retry-after', '5').send({ error: { code: 'unavailable', message: 'the database is unreachable; retry in a few seconds' } });
    }
    if (err instanceof FleetError) {
      // The server's own failures are logged with what caused them; the client gets the message.
      if (err.status >= 500) req.log.error({ err }, 'request failed');
      return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit ?? 1024 * 1024;
      return reply.code(413).send({ error: { code: 'too_large', message: `request body is over ${Math.round(limit / (1024 * 1024))} MB` } });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: { code: 'bad_request', message: err.message } });
    }
    const pgCode = (err as { code?: string }).code;
    // A database refusal of an illegal state change is a conflict, not a crash.
    if (pgCode === '23514' || pgCode === '23505') {
      return reply.code(409).send({ error: { code: 'conflict', message: 'the change conflicts with the current state; reload and retry' } });
    }
    // Class 22 is a value the database cannot take (NUL bytes, out-of-range numbers): the
    // request's content, so a 400, never a 500.
    if (typeof pgCode === 'string' && pgCode.startsWith('22')) {
      return reply.code(400).send({ error: { code: 'invalid', message: 'a value in the request is not acceptable (out of range or contains NUL bytes)' } });
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: `internal error (request ${req.id})` } });
  });

  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  await healthRoutes(app, deps);
  await taskRoutes(app, deps);
  await feedbackRoutes(app, deps);
  await agentRoutes(app, deps);
  await assignmentRoutes(app, deps);
  await guardRoutes(app, deps);
  await wsRoutes(app, deps);
  for (const mod of opts.extraRoutes ?? []) await mod(app, deps);
  return app;
}

/** Token offered as a WebSocket subprotocol "bearer.<token>" next to "fleet.v1". */
function wsToken(header: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (!raw) return undefined;
  for (const p of raw.split(',').map((s) => s.trim())) if (p.startsWith('bearer.')) return p.slice('bearer.'.length);
  return undefined;
}

/** For clients that cannot set subprotocols: /ws?token=... (kept out of logs by requestForLog). */
function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

/** What a request log line says about the request: never headers, bodies or query strings. */
function requestForLog(req: { method?: string; url?: string; id?: string; ip?: string }) {
  return { id: req.id, method: req.method, url: req.url?.split('?')[0], remoteAddress: req.ip };
}
