import type { FastifyInstance } from 'fastify';
import type { ApiDeps, RouteModule } from '../buildApi.js';
import { parseInput } from '../validate.js';
import {
  GraphQuery,
  HistoryParams,
  HistoryQuery,
  ProgressAgentsQuery as AgentsQuery,
  ProgressSummaryQuery as SummaryQuery,
  ProjectListQuery,
  SnapshotBody,
} from '../../../schema/api.js';
import { requireActor, requireRead } from '../principal.js';
import { NotFoundError } from '../../core/errors.js';
import { ProgressService } from '../../progress/service.js';
import { compactRollup } from '../../progress/store.js';
import { readEnv } from '../../config/env.js';
import { projectFor } from '../authorize.js';

/** `/api/progress/*`: the old system's paths, with honest maths. */

/** One service per server; the periodic snapshot job makes its own (see registerProgressJobs). */
const services = new WeakMap<ApiDeps, ProgressService>();
export function progressServiceFor(deps: ApiDeps): ProgressService {
  let s = services.get(deps);
  if (!s) {
    s = new ProgressService(deps.db, { leaseTtlSeconds: deps.engine.leaseTtlSeconds, events: deps.engine.events });
    services.set(deps, s);
  }
  return s;
}

export interface ProgressRouteOptions {
  /** Environment holding SNAPSHOT_INTERVAL_SECONDS and SWEEP_INTERVAL_SECONDS (their defaults otherwise: 900 and 15). */
  env?: NodeJS.ProcessEnv;
}

/**
 * The progress routes; with the server's periodic runner they also register the snapshot job
 * (every SNAPSHOT_INTERVAL_SECONDS, default 15 minutes) and the folding of the tallies (every
 * round), both run by one process at a time.
 */
export function makeProgressRoutes(opts: ProgressRouteOptions = {}): RouteModule {
  return async (app: FastifyInstance, deps: ApiDeps) => {
    const svc = progressServiceFor(deps);
    if (deps.periodic) {
      const cfg = readEnv({ ...(opts.env ?? {}), LOG_LEVEL: 'silent' });
      registerJobs(deps.periodic, deps.db, svc, cfg);
    }
    await routes(app, deps, svc);
  };
}

export const progressRoutes: RouteModule = makeProgressRoutes();

async function routes(app: FastifyInstance, deps: ApiDeps, svc: ProgressService): Promise<void> {

  app.get('/api/progress/summary', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(SummaryQuery, req.query, 'query');
    const projectId = q.project ? await deps.projectId(q.project) : null;
    return svc.summary(projectId);
  });

  app.get('/api/progress/projects', async (req) => {
    requireRead(req, deps.publicRead);
    parseInput(ProjectListQuery, req.query, 'query');
    const { rows } = await deps.db.query<{ id: number; name: string; default_branch: string }>(
      `SELECT id, owner || '/' || repo AS name, default_branch FROM projects ORDER BY owner, repo LIMIT 1000`,
    );
    return { projects: rows.map((r) => ({ id: Number(r.id), name: r.name, default_branch: r.default_branch })) };
  });

  app.get('/api/progress/agents', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(AgentsQuery, req.query, 'query');
    return { agents: await svc.agents(q.window_hours ?? 24) };
  });

  app.post('/api/progress/snapshot', async (req, reply) => {
    const actor = requireActor(req);
    const body = parseInput(SnapshotBody, req.body, 'body');
    // A job or a project token snapshots its own project only.
    const projectId = (await projectFor(actor, body.project, deps.projectId)) ?? null;
    const snapshots = await svc.snapshot(projectId);
    return reply.code(201).send({ snapshots });
  });

  app.get('/api/progress/history/:project_id', async (req) => {
    requireRead(req, deps.publicRead);
    const { project_id } = parseInput(HistoryParams, req.params, 'path');
    const q = parseInput(HistoryQuery, req.query, 'query');
    const { rows } = await deps.db.query<{ id: number; name: string }>(`SELECT id, owner || '/' || repo AS name FROM projects WHERE id = $1`, [project_id]);
    if (!rows[0]) throw new NotFoundError(`no project with id ${project_id}`);
    const limit = q.limit ?? 200;
    const { snapshots, more } = await svc.history(project_id, q.since ? new Date(q.since) : null, limit);
    return {
      project_id,
      project: rows[0].name,
      limit,
      more,
      snapshots,
      burndown: snapshots.map((s) => ({ at: s.taken_at, hours_remaining: s.hours_remaining, hours_done: s.hours_done, hours_total: s.hours_total })),
    };
  });

  app.get('/api/progress/graph', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(GraphQuery, req.query, 'query');
    const projectId = q.project ? await deps.projectId(q.project) : null;
    return svc.graph(projectId, q.limit ?? 2000);
  });
}

type Jobs = { register(name: string, everyRounds: number, job: () => Promise<unknown>): void };

function registerJobs(periodic: Jobs, db: ApiDeps['db'], svc: ProgressService, cfg: { SNAPSHOT_INTERVAL_SECONDS: number; SWEEP_INTERVAL_SECONDS: number }): void {
  const every = Math.max(1, Math.round(cfg.SNAPSHOT_INTERVAL_SECONDS / cfg.SWEEP_INTERVAL_SECONDS));
  periodic.register('progress.compact', 1, () => compactRollup(db));
  periodic.register('progress.snapshot', every, () => svc.snapshot(null));
}

/** For a server started without the progress routes' own registration: `registerProgressJobs(o)`. */
export function registerProgressJobs(o: {
  periodic: Jobs;
  db: ApiDeps['db'];
  engine: ApiDeps['engine'];
  config: { SNAPSHOT_INTERVAL_SECONDS: number; SWEEP_INTERVAL_SECONDS: number };
}): ProgressService {
  const svc = new ProgressService(o.db, { leaseTtlSeconds: o.engine.leaseTtlSeconds, events: o.engine.events });
  registerJobs(o.periodic, o.db, svc, o.config);
  return svc;
}
