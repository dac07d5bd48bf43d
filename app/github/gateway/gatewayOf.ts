import type { RepoCtx } from '../context.js';
import type { GitHubGateway } from './gitHubGateway.js';
import { octokitGateway } from './octokitGateway.js';

const made = new WeakMap<object, GitHubGateway>();

/**
 * The gateway for a handler's repository: the one the context carries (tests may give their own),
 * else one over the delivery's Octokit, made once per context.
 */
export function gatewayOf(ctx: Pick<RepoCtx, 'gh' | 'owner' | 'repo' | 'deps'> & { github?: GitHubGateway | undefined }): GitHubGateway {
  if (ctx.github) return ctx.github;
  let g = made.get(ctx);
  if (!g || g.owner !== ctx.owner || g.repo !== ctx.repo) {
    g = octokitGateway(ctx.gh, ctx.owner, ctx.repo, ctx.deps);
    made.set(ctx, g);
  }
  return g;
}
