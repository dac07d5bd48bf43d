import type { RouteModule } from './http/buildApi.js';
import { readEnv } from './config/env.js';
import { githubRoutes, githubSettings } from './github/mount.js';

/** Route modules beyond the core API, mounted by `npm start`. */
export async function orchestratorRoutes(env: NodeJS.ProcessEnv): Promise<RouteModule[]> {
  const routes: RouteModule[] = [];
  const gh = githubSettings(readEnv(env));
  if (gh) routes.push(githubRoutes(gh, env));
  return routes;
}
