import type { RouteModule } from './http/buildApi.js';
import { readEnv } from './config/env.js';
import { githubRoutes, githubSettings } from './github/mount.js';
import { makeProgressRoutes } from './http/routes/progress.js';
import { gitRoutes } from './http/routes/git.js';
import { dashboardRoutes } from './http/routes/dashboard.js';
import { metricsRoutes } from './metrics/metricsRoutes.js';

/** Route modules beyond the core API, mounted by `npm start`. */
export async function orchestratorRoutes(env: NodeJS.ProcessEnv): Promise<RouteModule[]> {
  const routes: RouteModule[] = [makeProgressRoutes({ env }), gitRoutes, dashboardRoutes, metricsRoutes({ env })];
  const gh = githubSettings(readEnv(env));
  if (gh) routes.push(githubRoutes(gh, env));
  return routes;
}
