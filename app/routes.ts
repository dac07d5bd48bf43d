import type { RouteModule } from './http/buildApi.js';
import { readEnv } from './config/env.js';
import { githubAppSlot, githubRoutes, githubSettings, type RepoConfigSource } from './github/ingest/mount.js';
import { storedGithubSettings } from './github/setup/credentials.js';
import { makeProgressRoutes } from './http/routes/progress.js';
import { makeGitRoutes } from './http/routes/git.js';
import { DEFAULT_FLEET_CONFIG } from '../schema/fleetConfig.js';
import { dashboardRoutes } from './http/routes/dashboard.js';
import { setupRoutes } from './http/routes/setup.js';
import { metricsRoutes } from './metrics/metricsRoutes.js';

/**
 * Route modules beyond the core API, mounted by `npm start`. The GitHub App runs with the
 * environment's credentials, else those /setup stored in FLEET_DATA_DIR; with neither, its webhook
 * answers 503 until /setup registers one and starts it in this process.
 */
export async function orchestratorRoutes(env: NodeJS.ProcessEnv, slot = githubAppSlot()): Promise<RouteModule[]> {
  const config = readEnv(env);
  const gh = githubSettings(config) ?? (await storedGithubSettings(config));
  // The merge queue view reads each repository's .github/fleet.yml through the GitHub App when it
  // is running, as the merge runner does; without the app every project has the default config.
  const repoConfigs: RepoConfigSource = {};
  return [
    makeProgressRoutes({ env }),
    makeGitRoutes({ repoConfig: (p) => repoConfigs.read?.(p) ?? DEFAULT_FLEET_CONFIG }),
    dashboardRoutes,
    metricsRoutes({ env }),
    githubRoutes(gh, env, slot, repoConfigs),
    setupRoutes({ config, github: slot }),
  ];
}
