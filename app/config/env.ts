import { isIP } from 'node:net';
import { z } from 'zod';

const intFrom = (min: number, max: number) =>
  z.coerce.number({ error: 'expected a whole number' }).int('expected a whole number').min(min).max(max);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** Every setting the orchestrator reads from its environment, read once at start-up. */
export const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: intFrom(0, 65535).default(3000),
  DATABASE_URL: optionalString.refine(
    (v) => v === undefined || v === 'memory://' || /^postgres(ql)?:\/\//.test(v),
    'expected postgres://user@host:port/db, postgresql://..., or memory:// (unset = embedded PGlite)',
  ),
  DATABASE_SCHEMA: optionalString.refine(
    (v) => v === undefined || /^[a-z_][a-z0-9_]{0,62}$/i.test(v),
    'expected a schema name of letters, digits and _',
  ),
  REDIS_URL: optionalString.refine(
    (v) => v === undefined || /^rediss?:\/\//.test(v),
    'expected redis://host:port or rediss://... (unset = ordering in Postgres)',
  ),
  REDIS_PREFIX: z.string().default('fleet:'),
  /** Longest wait for one Redis command on a request path; past it the engine uses Postgres ordering. */
  REDIS_COMMAND_TIMEOUT_MS: intFrom(10, 60_000).default(500),
  FLEET_DATA_DIR: z.string().default('.fleet'),
  FLEET_ADMIN_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'expected at least 16 characters (leave unset to have one generated)',
  ),
  FLEET_PUBLIC_URL: optionalString,
  /**
   * Proxies whose X-Forwarded-For/-Proto the server believes (Fastify trustProxy): "true" (any) or
   * comma-separated addresses/CIDRs. Unset: none, so a client cannot claim https by a header.
   */
  FLEET_TRUST_PROXY: optionalString.transform((v, ctx): boolean | string[] => {
    if (v === undefined || v === 'false') return false;
    if (v === 'true') return true;
    const list = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.filter((s) => {
      const [addr, bits, more] = s.split('/');
      return more !== undefined || !isIP(addr!) || (bits !== undefined && !/^\d{1,3}$/.test(bits));
    });
    if (!list.length || bad.length) {
      ctx.addIssue({ code: 'custom', message: `expected "true", "false", or comma-separated IP addresses/CIDRs (not ${JSON.stringify(bad[0] ?? v)})` });
      return z.NEVER;
    }
    return list;
  }),
  FLEET_CORS_ORIGINS: optionalString,
  /** A read-only bearer token for Prometheus: it opens GET /metrics and nothing else. */
  FLEET_METRICS_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'expected at least 16 characters (or leave it unset to read /metrics with an API token)',
  ),
  /** Lets unauthenticated clients read the dashboard and GET /api/*; writes always need a token. */
  FLEET_PUBLIC_READ: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  FLEET_SEED_PLAN: optionalString,
  FLEET_PROJECT: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/repo')
    .default('local/example'),
  LEASE_TTL_SECONDS: intFrom(5, 86_400).default(600),
  MAX_ATTEMPTS: intFrom(1, 100).default(3),
  /** Issue 15: a failed attempt waits out its backoff (fleet.yml `backoff`, default 5 min base) before it is ready again. */
  FLEET_RETRY_BACKOFF: z
    .enum(['true', 'false', '1', '0', ''], { error: 'expected true or false' })
    .default('true')
    .transform((v) => v !== 'false' && v !== '0'),
  SWEEP_INTERVAL_SECONDS: intFrom(1, 3_600).default(15),
  SNAPSHOT_INTERVAL_SECONDS: intFrom(10, 86_400).default(900),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** GitHub Actions OIDC: jobs of these repositories (owner/repo or owner/*, comma-separated) may act on assignments. */
  FLEET_OIDC_REPOSITORIES: optionalString,
  FLEET_OIDC_WORKFLOWS: optionalString,
  FLEET_OIDC_ISSUER: optionalString,
  APP_ID: optionalString,
  PRIVATE_KEY: optionalString,
  PRIVATE_KEY_PATH: optionalString,
  WEBHOOK_SECRET: optionalString,
  GHE_HOST: optionalString,
  GHE_PROTOCOL: z.enum(['http', 'https']).default('https'),
});

export type Env = z.infer<typeof EnvSchema>;

/**
 * The settings the process runs with: the environment parsed once, at start-up (app/main.ts, or
 * startOrchestrator for tests), then passed to whatever needs a setting. Nothing else reads
 * process.env (probot's read-env-options style).
 */
export type Settings = Env;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const PARSED = Symbol('fleet.settings');

/** Whether `v` is already parsed settings (from readEnv), not a raw environment. */
export function isSettings(v: object): v is Settings {
  return PARSED in v;
}

/** Parses the environment; a bad value is one line naming the variable and what is expected. */
export function readEnv(env: NodeJS.ProcessEnv): Env {
  const res = EnvSchema.safeParse(env);
  if (res.success) return Object.defineProperty(res.data, PARSED, { value: true, enumerable: false });
  const lines = res.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}

/** Settings from either form a caller holds: parsed settings as they are, a raw environment parsed. */
export function settingsOf(v: Settings | NodeJS.ProcessEnv): Settings {
  return isSettings(v) ? v : readEnv(v as NodeJS.ProcessEnv);
}
