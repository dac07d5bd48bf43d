import { Probot, ProbotOctokit } from 'probot';
import pino, { type Logger as PinoLogger } from 'pino';
import type { GitHubClient } from '../types.js';
import { repoInstallationId } from '../gateway/appGateway.js';
import { githubApiMetrics } from '../../metrics/githubApiMetrics.js';

/**
 * Probot and Octokit set up the way the orchestrator needs them: GitHub Enterprise through
 * GHE_HOST / GHE_PROTOCOL, throttling per installation with `retry-after` honoured on primary
 * and secondary limits, and writes kept under GitHub's content-creation limit by the throttling
 * plugin's write queue (one per second per installation, i.e. at most 60 a minute, inside the 80
 * a minute GitHub allows; comments and other notifying writes one per 3 s).
 *
 * The plugin keeps its Bottleneck groups per `throttle.id`. Probot sets that id only on clients
 * made through `probot.auth(id)`; the clients it hands to webhook handlers (`context.octokit`,
 * built by octokit-auth-probot's "event-octokit") carry the installation only in `auth`, so they
 * all shared the plugin's default "no-id" limiter: every installation's writes in one queue.
 * `fleetOctokitClass` takes the id from `auth.installationId` whenever none is given.
 */

export interface ThrottleSettings {
  enabled?: boolean;
  /** Retries after a rate limit before giving up (default 3). */
  maxRetries?: number;
  /** Milliseconds per second of retry-after (tests shrink it; default 1000). */
  retryAfterBaseValue?: number;
}

export interface GitHubEnv {
  GHE_HOST?: string | undefined;
  GHE_PROTOCOL?: string | undefined;
}

/** API base URL: api.github.com, or `<protocol>://<GHE_HOST>/api/v3` for GitHub Enterprise Server. */
export function githubBaseUrl(env: GitHubEnv = process.env): string {
  const host = env.GHE_HOST?.trim();
  if (!host) return 'https://api.github.com';
  const protocol = env.GHE_PROTOCOL?.trim() === 'http' ? 'http' : 'https';
  return `${protocol}://${host.replace(/\/+$/, '')}/api/v3`;
}

type RateLimitHandler = (retryAfter: number, options: { method: string; url: string; request: { retryCount: number } }, octokit: { log: { warn(msg: string): void } }) => boolean;

export function fleetOctokitClass(t: ThrottleSettings = {}, retry: { enabled?: boolean } = {}): typeof ProbotOctokit {
  const maxRetries = t.maxRetries ?? 3;
  const handler =
    (kind: string): RateLimitHandler =>
    (retryAfter, options, octokit) => {
      const again = options.request.retryCount < maxRetries;
      octokit.log.warn(`${kind} rate limit on ${options.method} ${options.url}; ${again ? `retrying after ${retryAfter}s` : 'giving up'}`);
      return again;
    };
  return ProbotOctokit.plugin(githubApiMetrics).defaults((instance: Record<string, unknown>) => {
    const prior = (instance.throttle ?? {}) as Record<string, unknown>;
    const installationId = (instance.auth as { installationId?: unknown } | undefined)?.installationId;
    const id = prior.id ?? (typeof installationId === 'number' || typeof installationId === 'string' ? String(installationId) : undefined);
    return {
      ...instance,
      throttle: {
        ...prior,
        ...(id !== undefined ? { id: String(id) } : {}),
        enabled: t.enabled ?? prior.enabled ?? true,
        ...(t.retryAfterBaseValue !== undefined ? { retryAfterBaseValue: t.retryAfterBaseValue } : {}),
        onRateLimit: handler('primary'),
        onSecondaryRateLimit: handler('secondary'),
      },
      ...(retry.enabled === false ? { retry: { enabled: false } } : {}),
    };
  }) as typeof ProbotOctokit;
}

export interface FleetProbotOptions {
  appId: number | string;
  privateKey: string;
  secret: string;
  env?: GitHubEnv;
  log?: PinoLogger;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  throttle?: ThrottleSettings;
  retry?: { enabled?: boolean };
}

/**
 * Plain pino JSON on stdout with pino's depth and breadth limits. Probot's own default is a
 * pretty-printing transform stream; one 3,000-deep payload in an error broke that stream and
 * silenced every later line of the process.
 */
export function fleetLogger(level: FleetProbotOptions['logLevel'] = 'warn'): PinoLogger {
  return pino({ level, depthLimit: 8, edgeLimit: 100 });
}

/** A Probot for the app's credentials. No Redis: webhook durability is the database's job. */
export function createFleetProbot(o: FleetProbotOptions): Probot {
  return new Probot({
    appId: o.appId,
    privateKey: o.privateKey,
    secret: o.secret,
    baseUrl: githubBaseUrl(o.env),
    Octokit: fleetOctokitClass(o.throttle, o.retry),
    log: o.log ?? fleetLogger(o.logLevel),
  });
}

/** An Octokit for a personal or Actions token (the CLI's GITHUB_TOKEN). */
export function tokenClient(token: string, env: GitHubEnv = process.env, t: ThrottleSettings = {}): GitHubClient {
  const Octokit = fleetOctokitClass(t);
  return new Octokit({ auth: { token }, baseUrl: githubBaseUrl(env) }) as unknown as GitHubClient;
}

/** An installation client for owner/repo from app credentials (CLI without a token). */
export async function installationClient(probot: Probot, owner: string, repo: string): Promise<{ gh: GitHubClient; installationId: number }> {
  const appClient = await probot.auth();
  const installationId = await repoInstallationId(appClient as unknown as GitHubClient, owner, repo);
  return { gh: (await probot.auth(installationId)) as unknown as GitHubClient, installationId };
}
