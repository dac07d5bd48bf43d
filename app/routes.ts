import type { RouteModule } from './http/buildApi.js';
import { settingsOf, type Settings } from './config/env.js';
import { githubAppSlot, githubRoutes, githubSettings, type RepoConfigSource } from './github/ingest/mount.js';
import { storedGithubSettings } from './github/setup/credentials.js';
import { makeProgressRoutes } from './http/routes/progress.js';
import { makeGitRoutes } from './http/routes/git.js';
import { makeForecastRoutes } from './http/routes/forecast.js';
import { DEFAULT_FLEET_CONFIG } from '../schema/fleetConfig.js';
import { dashboardRoutes } from './http/routes/dashboard.js';
import { setupRoutes } from './http/routes/setup.js';
import { metricsRoutes } from './metrics/metricsRoutes.js';

/**
 * Route modules beyond the core API, mounted by `npm start`, each given the settings it needs
 * (none reads the environment). The GitHub App runs with the configured credentials, else those
 * /setup stored in FLEET_DATA_DIR; with neither, its webhook answers 503 until /setup registers
 * one and starts it in this process.
 *
 * `config`: the settings app/main.ts parsed; a raw environment (tests) is parsed here.
 */
export async function orchestratorRoutes(config: Settings | NodeJS.ProcessEnv, slot = githubAppSlot()): Promise<RouteModule[]> {
  const settings = settingsOf(config);
  const gh = githubSettings(settings) ?? (await storedGithubSettings(settings));
  // The merge queue view reads each repository's .github/fleet.yml through the GitHub App when it
  // is running, as the merge runner does; without the app every project has the default config.
  const repoConfigs: RepoConfigSource = {};
  // The GitHub layer takes its API host from these two settings only.
  const githubEnv: NodeJS.ProcessEnv = { GHE_HOST: settings.GHE_HOST, GHE_PROTOCOL: settings.GHE_PROTOCOL };
  return [
    makeProgressRoutes(),
    makeForecastRoutes({ repoConfig: (p) => repoConfigs.read?.(p) }),
    makeGitRoutes({ repoConfig: (p) => repoConfigs.read?.(p) ?? DEFAULT_FLEET_CONFIG }),
    dashboardRoutes,
    metricsRoutes({ token: settings.FLEET_METRICS_TOKEN }),
    githubRoutes(gh, githubEnv, slot, repoConfigs),
    setupRoutes({ config: settings, github: slot }),
  ];
}
