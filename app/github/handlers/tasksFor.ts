import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';

/** A pull request as check and run payloads list it. */
export interface PrRef {
  number?: number | undefined;
  head?: { ref?: string | undefined; sha?: string | undefined } | undefined;
}

/** Tasks touched by a check or run: through the PRs it lists, else through its head branch. */
export async function tasksFor(ctx: RepoCtx, prs: readonly (PrRef | null)[] | null | undefined, headBranch: string | null | undefined): Promise<Task[]> {
  const { port } = ctx.deps;
  const out = new Map<number, Task>();
  for (const pr of (prs ?? []).slice(0, 20)) {
    if (!pr) continue;
    const t =
      (typeof pr.number === 'number' ? await port.findTaskByPr(ctx.project.id, pr.number) : null) ??
      (pr.head?.ref ? await port.findTaskByBranch(ctx.project.id, pr.head.ref) : null);
    if (t) out.set(t.id, t);
  }
  if (!out.size && headBranch) {
    const t = await port.findTaskByBranch(ctx.project.id, headBranch);
    if (t) out.set(t.id, t);
  }
  return [...out.values()];
}
