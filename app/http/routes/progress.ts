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
import { progressServiceFor, type ProgressService } from '../../progress/service.js';
import { listProjects } from '../../progress/sql/listProjects.js';
import { projectById } from '../../engine/sql/projectById.js';
import { projectFor } from '../authorize.js';
import { assertReadable, readProject } from '../readScope.js';

/** `/api/progress/*`: the old system's paths, with honest maths. */

export const HISTORY_MAX_LIMIT = 1000;

/** Kept importable from here for route modules that share the service (it lives in app/progress/service.ts). */
export { progressServiceFor };

/**
 * The progress routes. They register no job: the snapshot and the folding of the tallies are
 * registered with every other periodic job in app/jobs.ts.
 */
export function makeProgressRoutes(_legacy: { env?: NodeJS.ProcessEnv } = {}): RouteModule {
  // `_legacy.env` is no longer read: the snapshot interval is a setting app/jobs.ts gets at boot.
  return async (app: FastifyInstance, deps: ApiDeps) => routes(app, deps, progressServiceFor(deps));
}

export const progressRoutes: RouteModule = makeProgressRoutes();

async function routes(app: FastifyInstance, deps: ApiDeps, svc: ProgressService): Promise<void> {

  app.get('/api/progress/summary', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(SummaryQuery, req.query, 'query');
    return svc.summary(await readProject(req, q.project, deps.projectId));
  });

  app.get('/api/progress/projects', async (req) => {
    requireRead(req, deps.publicRead);
    parseInput(ProjectListQuery, req.query, 'query');
    const rows = await listProjects(deps.db, await readProject(req, undefined, deps.projectId));
    return { projects: rows.map((r) => ({ id: r.id, name: r.name, default_branch: r.default_branch })) };
  });

  app.get('/api/progress/agents', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(AgentsQuery, req.query, 'query');
    return { agents: await svc.agents(q.window_hours ?? 24, await readProject(req, q.project, deps.projectId)) };
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
    const p = await projectById(deps.db, project_id);
    if (!p) throw new NotFoundError(`no project with id ${project_id}`);
    const name = `${p.owner}/${p.repo}`;
    assertReadable(req, project_id, `project ${name}`);
    const limit = q.limit ?? 200;
    const { snapshots, more } = await svc.history(project_id, q.since ? new Date(q.since) : null, limit);
    return {
      project_id,
      project: name,
      limit,
      more,
      snapshots,
      burndown: snapshots.map((s) => ({ at: s.taken_at, hours_remaining: s.hours_remaining, hours_done: s.hours_done, hours_total: s.hours_total })),
    };
  });

  app.get('/api/progress/graph', async (req) => {
    requireRead(req, deps.publicRead);
    const q = parseInput(GraphQuery, req.query, 'query');
    return svc.graph(await readProject(req, q.project, deps.projectId), q.limit ?? 2000);
  });
}

