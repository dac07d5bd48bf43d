import type { ProbotOctokit } from 'probot';

/** The part of an authenticated Octokit the app uses: REST requests and GraphQL. */
export interface GitHubClient {
  request: InstanceType<typeof ProbotOctokit>['request'];
  graphql: InstanceType<typeof ProbotOctokit>['graphql'];
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** HTTP status of an Octokit error, if it has one. */
export function httpStatus(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** A short, token-free description of an error for logs and replies. */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/(gh[opsu]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]').replace(/(token|bearer)\s+[A-Za-z0-9._-]+/gi, '$1 [redacted]').slice(0, 500);
}
