/**
 * GitHub API calls as the orchestrator's Octokit clients see them. The Octokit plugin below is
 * added once to the Octokit class (app/github/probot.ts); every client made from that class, one
 * per installation, reports each request's status and GitHub's x-ratelimit-* headers here, and
 * each server's metrics registry subscribes. Process-wide on purpose: the clients belong to the
 * process, not to one HTTP server.
 */

export interface GitHubApiCall {
  /** Installation id, "app" for calls signed as the App itself (JWT), "token" for a token client. */
  installation: string;
  /** HTTP status, or 0 when no response came back (network error, timeout). */
  status: number;
  rateLimit: { resource: string; remaining: number; limit: number } | null;
}

type Listener = (call: GitHubApiCall) => void;
const listeners = new Set<Listener>();

/** Subscribes to every GitHub API call made in this process; returns the unsubscribe function. */
export function onGitHubApiCall(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

type Headers = Record<string, string | number | undefined>;
interface RequestHooks {
  hook: {
    after(name: 'request', fn: (response: { status: number; headers: Headers }) => void): void;
    error(name: 'request', fn: (error: unknown) => unknown): void;
  };
}

function installationOf(auth: unknown): string {
  if (typeof auth === 'string') return 'token';
  if (auth && typeof auth === 'object') {
    const a = auth as { installationId?: unknown; token?: unknown; appId?: unknown };
    if (typeof a.installationId === 'number' || typeof a.installationId === 'string') return String(a.installationId);
    if (typeof a.token === 'string') return 'token';
    if (a.appId !== undefined) return 'app';
  }
  return 'unknown';
}

function rateLimitOf(headers: Headers | undefined): GitHubApiCall['rateLimit'] {
  const remaining = Number(headers?.['x-ratelimit-remaining']);
  const limit = Number(headers?.['x-ratelimit-limit']);
  if (!Number.isFinite(remaining) || headers?.['x-ratelimit-remaining'] === undefined) return null;
  return { resource: String(headers?.['x-ratelimit-resource'] ?? 'core'), remaining, limit: Number.isFinite(limit) ? limit : NaN };
}

function report(call: GitHubApiCall): void {
  // A listener's failure must never fail the API call it observes.
  for (const fn of listeners) {
    try {
      fn(call);
    } catch {
      // ignored
    }
  }
}

/**
 * Octokit plugin: `ProbotOctokit.plugin(githubApiMetrics)`. Counts each request once (after the
 * throttling and retry plugins, which it wraps) and reads the rate limit GitHub reports with it.
 */
export function githubApiMetrics(octokit: RequestHooks, options: { auth?: unknown } = {}): void {
  const installation = installationOf(options.auth);
  octokit.hook.after('request', (response) => {
    report({ installation, status: response.status, rateLimit: rateLimitOf(response.headers) });
  });
  octokit.hook.error('request', (error) => {
    const e = error as { status?: unknown; response?: { headers?: Headers } };
    report({ installation, status: typeof e.status === 'number' ? e.status : 0, rateLimit: rateLimitOf(e.response?.headers) });
    throw error;
  });
}
