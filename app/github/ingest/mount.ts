import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { ApiDeps, RouteModule } from '../../http/buildApi.js';
import type { Env } from '../../config/env.js';
import { createFleetProbot, type GitHubEnv } from './probot.js';
import { fleetApp } from './fleetApp.js';
import { createSqlPort } from '../sqlPort.js';
import { engineHooks } from '../engineHooks.js';
import { ConfigStore } from '../config.js';
import { DEFAULT_FLEET_CONFIG, type FleetConfig } from '../../../schema/fleetConfig.js';
import { PermissionCache } from '../commands/permissions.js';
import { DeliveryProcessor } from './deliveryProcessor.js';
import { webhookRoute } from './webhookRoute.js';
import type { GitHubAppRuntime } from './githubJobs.js';
import { planHooks } from '../planSync/planHooks.js';
import { parsePlan } from '../../plan/parse/parsePlan.js';
import { createMergeQueue } from '../mergeQueue/hooks.js';
import { installationClient } from './probot.js';
import { guardCommands } from '../../guards/guardCommands.js';

/** GitHub caps webhook payloads at 25 MB. */
const WEBHOOK_BODY_LIMIT = 25 * 1024 * 1024;

/**
 * Filled in by the GitHub App when it is mounted: the repository's `.github/fleet.yml` through the
 * app's own config store, for routes outside the app (the merge queue view, app/routes.ts).
 */
export interface RepoConfigSource {
  read?: (repo: { owner: string; repo: string }) => Promise<FleetConfig>;
}

export interface GitHubAppSettings {
  appId: string;
  privateKey: string;
  secret: string;
  orchestratorUrl: string;
}

/** The app's credentials from the environment, or null when the GitHub App is not configured. */
export function githubSettings(cfg: Env): GitHubAppSettings | null {
  if (!cfg.APP_ID || !cfg.WEBHOOK_SECRET || !(cfg.PRIVATE_KEY || cfg.PRIVATE_KEY_PATH)) return null;
  const raw = cfg.PRIVATE_KEY ?? readFileSync(cfg.PRIVATE_KEY_PATH!, 'utf8');
  // Keys are often passed base64-encoded or with literal \n in one-line variables.
  const privateKey = raw.includes('BEGIN') ? raw.replace(/\\n/g, '\n') : Buffer.from(raw, 'base64').toString('utf8');
  return {
    appId: cfg.APP_ID,
    privateKey,
    secret: cfg.WEBHOOK_SECRET,
    orchestratorUrl: cfg.FLEET_PUBLIC_URL ?? `http://${cfg.HOST}:${cfg.PORT}`,
  };
}

/**
 * Lets the server start the GitHub App after it is listening: /setup registers the App and hands
 * its credentials to `start`, without a restart. `githubRoutes` binds it.
 */
export interface GitHubAppSlot {
  readonly running: boolean;
  start(settings: GitHubAppSettings): Promise<void>;
}

/**
 * A slot for `githubRoutes` to fill; starting it before the routes are mounted is an error.
 * `runtime` hands the running App to its periodic jobs (app/github/ingest/githubJobs.ts).
 */
export function githubAppSlot(): GitHubAppSlot & {
  runtime(): GitHubAppRuntime | null;
  bind(start: (s: GitHubAppSettings) => Promise<void>, runtime: () => GitHubAppRuntime | null): void;
} {
  let startFn: ((s: GitHubAppSettings) => Promise<void>) | null = null;
  let current: () => GitHubAppRuntime | null = () => null;
  return {
    get running() {
      return current() !== null;
    },
    runtime: () => current(),
    async start(settings) {
      if (!startFn) throw new Error('the GitHub webhook route is not mounted');
      await startFn(settings);
    },
    bind(start, runtime) {
      startFn = start;
      current = runtime;
    },
  };
}

/**
 * Mounts the GitHub App: POST /api/github/webhooks stores each signed delivery before
 * acknowledging it, and a processor drains stored deliveries into the Probot handlers.
 * Without settings the route answers 503 until the App is started through `slot`.
 */
export function githubRoutes(
  initial: GitHubAppSettings | null,
  env: GitHubEnv,
  slot?: ReturnType<typeof githubAppSlot>,
  repoConfigs: RepoConfigSource = {},
): RouteModule {
  return async (app: FastifyInstance, deps: ApiDeps) => {
    let route: ReturnType<typeof webhookRoute> | null = null;
    let processor: DeliveryProcessor | null = null;
    let runtime: GitHubAppRuntime | null = null;

    // The server's own logger (plain pino JSON with pino's depth limits), not Probot's pretty one.
    const log = app.log as unknown as PinoLogger;

    const start = async (settings: GitHubAppSettings) => {
      if (route) throw new Error('the GitHub App is already running');
      const probot = createFleetProbot({ appId: settings.appId, privateKey: settings.privateKey, secret: settings.secret, env, log });
      const port = createSqlPort(deps.db, { engine: engineHooks(deps.engine) });
      // One config store for the app and the merge-queue view, so both read the same .github/fleet.yml.
      const configs = new ConfigStore();
      repoConfigs.read = async ({ owner, repo }) => {
        const hit = configs.cached(owner, repo);
        if (hit) return hit;
        let gh;
        try {
          ({ gh } = await installationClient(probot, owner, repo));
        } catch (err) {
          // Not installed there (a local project): the default configuration, remembered like a read.
          if ((err as { status?: number }).status !== 404) throw err;
          configs.set(owner, repo, DEFAULT_FLEET_CONFIG);
          return DEFAULT_FLEET_CONFIG;
        }
        return configs.get(gh, owner, repo);
      };
      await probot.load(
        fleetApp({
          port,
          configs,
          permissions: new PermissionCache(),
          ownApp: { id: settings.appId },
          orchestratorUrl: settings.orchestratorUrl,
          plan: planHooks(deps.db, parsePlan),
          mergeQueue: createMergeQueue(deps.db),
          guards: guardCommands({ db: deps.db, engine: deps.engine }),
        }),
      );
      const proc = new DeliveryProcessor({ db: deps.db, probot, log });
      route = webhookRoute({ db: deps.db, secret: settings.secret, processor: proc, log });
      processor = proc;
      // Its periodic jobs (effect pruning, guard writes, reconcile) are registered by the boot
      // module (app/jobs.ts, app/github/ingest/githubJobs.ts) and run from now on.
      runtime = { probot, port };
      proc.start();
    };

    await app.register(async (scope) => {
      // The signature covers the exact bytes GitHub sent: keep the body raw in this scope.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => done(null, body));
      scope.post('/api/github/webhooks', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (req, reply) => {
        if (!route)
          return reply.code(503).send({
            error: { code: 'not_configured', message: 'no GitHub App is configured yet: an admin registers one at /setup, or set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET' },
          });
        const answer = await route(req.body as Buffer | undefined, req.headers);
        return reply.code(answer.status).send(answer.body);
      });
    });
    app.addHook('onClose', async () => processor?.stop());
    slot?.bind(start, () => runtime);
    if (initial) await start(initial);
  };
}
