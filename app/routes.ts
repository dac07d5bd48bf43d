import type { RouteModule } from './http/buildApi.js';
import { readEnv } from './config/env.js';
import { githubRoutes, githubSettings, type RepoConfigSource } from './github/mount.js';
import { makeProgressRoutes } from './http/routes/progress.js';
import { makeGitRoutes } from './http/routes/git.js';
import { DEFAULT_FLEET_CONFIG } from '../schema/fleetConfig.js';
import { dashboardRoutes } from './http/routes/dashboard.js';

/** Route modules beyond the core API, mounted by `npm start`. */
export async function orchestratorRoutes(env: NodeJS.ProcessEnv): Promise<RouteModule[]> {
  // The merge queue view reads each repository's .github/fleet.yml through the GitHub App when it
  // is mounted, as the merge runner does; without the app every project has the default config.
  const repoConfigs: RepoConfigSource = {};
  const git = makeGitRoutes({ repoConfig: (p) => repoConfigs.read?.(p) ?? DEFAULT_FLEET_CONFIG });
  const routes: RouteModule[] = [makeProgressRoutes({ env }), git, dashboardRoutes];
  const gh = githubSettings(readEnv(env));
  if (gh) routes.push(githubRoutes(gh, env, repoConfigs));
  return routes;
}
