import { z } from 'zod';
import type { Clock } from './clock.js';
import { describeError } from '../../app/core/describeError.js';
import { DEFAULT_RETRY, isConnectionRefused, withRetry, type RetryPolicy } from './retry.js';
import type { ClaimedTask } from './orchestratorClient.js';
import { taskMarker } from '../../schema/markers.js';

class GitHubApiError extends Error {
  override name = 'GitHubApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const PullSchema = z.object({ number: z.number().int(), html_url: z.string(), state: z.string().optional(), draft: z.boolean().optional() });
export type PullRequest = z.infer<typeof PullSchema>;

export interface GitHubClientOptions {
  apiUrl: string;
  token: string;
  fetch?: typeof fetch;
  clock: Clock;
  retry?: RetryPolicy;
  onRetry?: (what: string, err: unknown, attempt: number, delayMs: number) => void;
}

export interface GitHubClient {
  findOpenPullByHead(repo: string, owner: string, branch: string): Promise<PullRequest | null>;
  createPull(repo: string, body: { title: string; head: string; base: string; body: string; draft: boolean }): Promise<PullRequest>;
  updatePull(repo: string, number: number, body: { title: string; body: string }): Promise<PullRequest>;
}

export function createGitHubClient(opts: GitHubClientOptions): GitHubClient {
  const doFetch = opts.fetch ?? fetch;
  const policy = opts.retry ?? DEFAULT_RETRY;
  const base = opts.apiUrl.replace(/\/+$/, '');

  async function request(what: string, method: string, path: string, body: unknown, idempotent: boolean): Promise<unknown> {
    return withRetry(
      opts.clock,
      policy,
      async () => {
        const res = await doFetch(`${base}${path}`, {
          method,
          headers: {
            accept: 'application/vnd.github+json',
            authorization: `Bearer ${opts.token}`,
            'x-github-api-version': '2022-11-28',
            'user-agent': 'fleet-agent-action',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        if (res.ok) return json;
        const message = (json as { message?: string } | undefined)?.message ?? (text.slice(0, 200) || res.statusText);
        const errors = (json as { errors?: { message?: string }[] } | undefined)?.errors?.map((e) => e.message).filter(Boolean);
        throw new GitHubApiError(`${what}: GitHub answered ${res.status}: ${message}${errors?.length ? ` (${errors.join('; ')})` : ''}`, res.status);
      },
      (err) => {
        if (err instanceof GitHubApiError) return idempotent && (err.status >= 500 || err.status === 429);
        return idempotent || isConnectionRefused(err);
      },
      (err, attempt, delay) => opts.onRetry?.(what, err, attempt, delay),
    ).catch((err: unknown) => {
      if (err instanceof GitHubApiError) throw err;
      throw new GitHubApiError(`${what}: GitHub API unreachable: ${describeError(err)}`, 0);
    });
  }

  return {
    async findOpenPullByHead(repo, owner, branch) {
      const q = new URLSearchParams({ head: `${owner}:${branch}`, state: 'open', per_page: '10' });
      const json = await request('find the pull request', 'GET', `/repos/${repo}/pulls?${q}`, undefined, true);
      const list = z.array(PullSchema).parse(json);
      return list[0] ?? null;
    },
    async createPull(repo, body) {
      return PullSchema.parse(await request('open the pull request', 'POST', `/repos/${repo}/pulls`, body, false));
    },
    async updatePull(repo, number, body) {
      return PullSchema.parse(await request('update the pull request', 'PATCH', `/repos/${repo}/pulls/${number}`, body, true));
    },
  };
}

export interface PullBodyContext {
  runUrl?: string | undefined;
  changedFiles: string[];
  agentSeconds: number;
}

/** The PR body: what the task was, "Closes #N" so merging closes the issue, and the hidden task marker. */
export function buildPullBody(task: ClaimedTask, ctx: PullBodyContext): string {
  const lines: string[] = [];
  lines.push(`Task **${task.key}**: ${task.title}`, '');
  if (task.deliverables.length) lines.push('Deliverables:', ...task.deliverables.map((d) => `- ${d}`), '');
  const files = ctx.changedFiles.slice(0, 30).map((f) => `- \`${f}\``);
  if (ctx.changedFiles.length > 30) files.push(`- ... and ${ctx.changedFiles.length - 30} more`);
  if (files.length) lines.push(`Changed files (${ctx.changedFiles.length}):`, ...files, '');
  lines.push(`Produced by a fleet agent in ${Math.round(ctx.agentSeconds)} s${ctx.runUrl ? ` ([run](${ctx.runUrl}))` : ''}.`, '');
  if (task.issue_number) lines.push(`Closes #${task.issue_number}`, '');
  lines.push(taskMarker(task.key));
  return lines.join('\n');
}

export const pullTitle = (task: Pick<ClaimedTask, 'key' | 'title'>) => `${task.key}: ${task.title}`.slice(0, 250);

/** Opens the PR for `branch`, or updates the open one (a retried task reuses its PR). Safe to run twice. */
export async function openOrUpdatePullRequest(
  gh: GitHubClient,
  args: { repo: string; branch: string; base: string; title: string; body: string; draft: boolean },
): Promise<{ pull: PullRequest; created: boolean }> {
  const owner = args.repo.split('/')[0] ?? '';
  const existing = await gh.findOpenPullByHead(args.repo, owner, args.branch);
  if (existing) {
    return { pull: await gh.updatePull(args.repo, existing.number, { title: args.title, body: args.body }), created: false };
  }
  try {
    const pull = await gh.createPull(args.repo, { title: args.title, head: args.branch, base: args.base, body: args.body, draft: args.draft });
    return { pull, created: true };
  } catch (err) {
    // A create whose answer was lost (or a PR that appeared meanwhile): look again before giving up.
    const again = await gh.findOpenPullByHead(args.repo, owner, args.branch).catch(() => null);
    if (again) return { pull: again, created: false };
    throw err;
  }
}
