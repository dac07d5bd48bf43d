import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { readEnv, type Env, type Settings } from './config/env.js';
import type { Db } from './store/db.js';
import { openDb, describeDb } from './store/openDb.js';
import { migrate } from './store/migrate.js';
import { Engine } from './engine/engine.js';
import { LocalEventBus, RedisEventBus, type EventBus } from './engine/events.js';
import { PostgresQueue } from './queue/postgresQueue.js';
import { RedisQueue } from './queue/redisQueue.js';
import type { ReadyQueue } from './queue/readyQueue.js';
import { Authenticator, type JobVerifier } from './http/auth.js';
import { buildApi, type RouteModule } from './http/buildApi.js';
import { Periodic } from './engine/periodic.js';
import { createOidcVerifier } from './http/auth/oidc.js';
import { registerPeriodicJobs } from './jobs.js';
import type { GitHubAppRuntime } from './github/ingest/githubJobs.js';
import { pingDatabase } from './http/sql/pingDatabase.js';
import { installGuardRails } from './guards/guardsFor.js';

export interface Orchestrator {
  url: string;
  adminToken: string;
  adminTokenFile: string | null;
  engine: Engine;
  db: Db;
  redis: Redis | null;
  config: Env;
  api: FastifyInstance;
  log: Logger;
  periodic: Periodic;
  /** Stops taking claims, finishes in-flight requests, stops periodic work, closes pools. */
  close(): Promise<void>;
}

export interface StartOptions {
  /** The settings, parsed once by the caller (app/main.ts reads the environment). */
  settings?: Settings;
  /** Or a raw environment, parsed here (tests); ignored when `settings` is given. */
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Extra HTTP routes (progress, dashboard, GitHub webhooks) mounted on the same server. */
  routes?: RouteModule[];
  /** Verifier for GitHub Actions OIDC tokens. */
  jobs?: JobVerifier;
  /** Runs once the engine is up, before listening (e.g. seeding the example plan). */
  onEngine?: (o: { engine: Engine; db: Db; config: Env; log: Logger }) => Promise<void>;
  /** Whether to run the lease sweep and index rebuild loop (tests drive them by hand). */
  periodic?: boolean;
  /** The GitHub App's slot (the one given to its routes): its periodic jobs run while it runs. */
  github?: { runtime(): GitHubAppRuntime | null };
}

/** Reads FLEET_ADMIN_TOKEN, or makes one and keeps it in the data dir, readable by the owner only. */
async function adminToken(cfg: Env): Promise<{ token: string; file: string | null }> {
  if (cfg.FLEET_ADMIN_TOKEN) return { token: cfg.FLEET_ADMIN_TOKEN, file: null };
  const file = path.resolve(cfg.FLEET_DATA_DIR, 'admin-token');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 16) return { token: existing, file };
  } catch {
    // none yet
  }
  await mkdir(path.dirname(file), { recursive: true });
  const token = `fleet_admin_${randomBytes(24).toString('base64url')}`;
  await writeFile(file, token + '\n', { mode: 0o600 });
  await chmod(file, 0o600);
  return { token, file };
}

const list = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Jobs authenticate with their OIDC token once the allowed repositories and our public URL are set. */
function oidcFromConfig(config: Env): JobVerifier | undefined {
  const repos = list(config.FLEET_OIDC_REPOSITORIES);
  if (!repos.length || !config.FLEET_PUBLIC_URL) return undefined;
  return createOidcVerifier({
    issuer: config.FLEET_OIDC_ISSUER,
    audience: config.FLEET_PUBLIC_URL,
    allowedRepositories: repos,
    allowedWorkflows: list(config.FLEET_OIDC_WORKFLOWS),
  });
}

/** Log fields never written, whatever the destination. */
export const LOG_REDACT = ['req.headers.authorization', '*.token', '*.adminToken'];

export async function startOrchestrator(opts: StartOptions = {}): Promise<Orchestrator> {
  const config = opts.settings ?? readEnv(opts.env ?? {});
  const log = opts.log ?? pino({ level: config.LOG_LEVEL, redact: LOG_REDACT });

  const db = await openDb({ databaseUrl: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, dataDir: config.FLEET_DATA_DIR });
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    const { applied } = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');

    let redis: Redis | null = null;
    let queue: ReadyQueue = new PostgresQueue();
    let events: EventBus = new LocalEventBus();
    if (config.REDIS_URL) {
      // A hung Redis must not hang requests: each command gives up after the timeout.
      redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true, commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS });
      redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
      await redis.connect();
      const rq = new RedisQueue(redis, config.REDIS_PREFIX);
      const policy = await rq.evictionPolicy().catch(() => 'unknown');
      if (policy !== 'noeviction')
        log.warn({ policy }, 'Redis maxmemory-policy is not noeviction: under memory pressure it may evict queue entries (they are rebuilt from Postgres, but claims slow down); set maxmemory-policy noeviction');
      queue = rq;
      events = await RedisEventBus.create(redis, `${config.REDIS_PREFIX}events`);
      const r = redis;
      closers.unshift(async () => r.quit().catch(() => r.disconnect()));
    }
    closers.unshift(() => events.close());

    const engine = new Engine({ db, queue, events, leaseTtlSeconds: config.LEASE_TTL_SECONDS, maxAttempts: config.MAX_ATTEMPTS, log, retryBackoff: config.FLEET_RETRY_BACKOFF });
    installGuardRails({ db, engine });
    await opts.onEngine?.({ engine, db, config, log });
    await engine.refreshAll();
    await engine.rebuildQueue();

    const { token, file } = await adminToken(config);
    const auth = new Authenticator(db, { adminToken: token, publicRead: config.FLEET_PUBLIC_READ, jobs: opts.jobs ?? oidcFromConfig(config) });
    const health = {
      database: async () => {
        await pingDatabase(db);
        return `ok (${describeDb(config)})`;
      },
      redis: async () => {
        if (!redis) return 'not configured (ordering in Postgres)';
        await redis.ping();
        return 'ok';
      },
    };
    const periodic = new Periodic({ db, engine, log, intervalMs: config.SWEEP_INTERVAL_SECONDS * 1000 });
    registerPeriodicJobs(periodic, { db, engine, settings: config, github: opts.github });
    const api = await buildApi({
      deps: { db, engine, auth, health, periodic },
      log,
      corsOrigins: list(config.FLEET_CORS_ORIGINS),
      extraRoutes: opts.routes,
      trustProxy: config.FLEET_TRUST_PROXY,
      publicUrl: config.FLEET_PUBLIC_URL,
    });

    if (opts.periodic !== false) periodic.start();

    const address = await api.listen({ host: config.HOST, port: config.PORT });
    const url = address.replace('[::1]', 'localhost');
    let closed = false;
    return {
      url,
      adminToken: token,
      adminTokenFile: file,
      engine,
      db,
      redis,
      config,
      api,
      log,
      periodic,
      async close() {
        if (closed) return;
        closed = true;
        await engine.drain();
        await periodic.stop();
        await api.close();
        for (const c of closers) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers) await c().catch(() => undefined);
    throw err;
  }
}
