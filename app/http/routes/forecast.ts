import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiDeps, RouteModule } from '../buildApi.js';
import { parseInput } from '../validate.js';
import { requireRead } from '../principal.js';
import { assertReadable, readProject } from '../readScope.js';
import { NotFoundError } from '../../core/errors.js';
import { ForecastService, type ForecastServiceOptions } from '../../progress/forecast/service.js';

/**
 * GET /api/progress/forecast: P50/P80/P90 completion from a seeded Monte Carlo over the remaining
 * plan, calibrated on the project's own history (issue 16); GET /api/progress/baseline: the plan
 * the project set out with, for the dashboard's planned-against-actual view.
 */

export const FORECAST_MAX_AGENTS = 10_000;
export const FORECAST_MIN_RUNS = 100;
export const FORECAST_MAX_RUNS = 20_000;
export const FORECAST_DEFAULT_RUNS = 2000;
export const FORECAST_DEFAULT_SEED = 1;

const project = z.string().max(200).regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo, e.g. acme/fleet');
const whole = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number from ${min} to ${max}` })
    .int(`${name} must be a whole number from ${min} to ${max}`)
    .min(min, `${name} must be a whole number from ${min} to ${max}`)
    .max(max, `${name} must be a whole number from ${min} to ${max}`);

const ForecastQuery = z.strictObject({
  project: project.optional(),
  agents: whole('agents', 1, FORECAST_MAX_AGENTS).optional(),
  runs: whole('runs', FORECAST_MIN_RUNS, FORECAST_MAX_RUNS).optional(),
  seed: whole('seed', 0, 2 ** 32 - 1).optional(),
});
const BaselineQuery = z.strictObject({ project });

export interface ForecastRouteOptions {
  /** The repository's `.github/fleet.yml` (pools' capacity, calendar.hoursPerDay); local projects need none. */
  repoConfig?: ForecastServiceOptions['repoConfig'];
}

export function makeForecastRoutes(opts: ForecastRouteOptions = {}): RouteModule {
  return async (app: FastifyInstance, deps: ApiDeps) => {
    const svc = new ForecastService(deps.db, { leaseTtlSeconds: deps.engine.leaseTtlSeconds, repoConfig: opts.repoConfig });

    app.get('/api/progress/forecast', async (req) => {
      requireRead(req, deps.publicRead);
      const q = parseInput(ForecastQuery, req.query, 'query');
      // A token confined to a project forecasts only its own (app/http/readScope.ts).
      const projectId = await readProject(req, q.project, deps.projectId);
      return svc.forecast(projectId, { agents: q.agents, runs: q.runs ?? FORECAST_DEFAULT_RUNS, seed: q.seed ?? FORECAST_DEFAULT_SEED });
    });

    app.get('/api/progress/baseline', async (req) => {
      requireRead(req, deps.publicRead);
      const q = parseInput(BaselineQuery, req.query, 'query');
      const projectId = await deps.projectId(q.project);
      assertReadable(req, projectId, `the baseline of ${q.project}`);
      const b = await svc.baseline(projectId);
      if (!b) throw new NotFoundError(`${q.project} has no baseline yet: seed its plan or run "fleet plan baseline --project ${q.project}"`);
      return b;
    });
  };
}

export const forecastRoutes: RouteModule = makeForecastRoutes();
