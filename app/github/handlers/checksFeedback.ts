import type { Task } from '../../engine/types.js';
import type { RepoCtx } from '../context.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import type { CheckRunRecord } from '../gateway/gitHubGateway.js';
import { cleanForAgent, cleanInline } from '../../core/untrustedText.js';
import { giveFeedback } from './feedback.js';

const FAILED = new Set(['failure', 'timed_out']);
export const MAX_ANNOTATIONS = 50;

/**
 * Whether a failed check counts: a required check of the base branch, or any check when the
 * branch requires none (#14). Read once per delivery and base.
 */
async function counts(ctx: RepoCtx, base: string, name: string, cache: Map<string, string[]>): Promise<boolean> {
  let required = cache.get(base);
  if (!required) {
    required = await gatewayOf(ctx).requiredChecks(base);
    cache.set(base, required);
  }
  return required.length === 0 || required.includes(name);
}

/** Failed check runs of a task's PR become `checks_failed` feedback and a revise round. */
export async function checkRunsFailed(ctx: RepoCtx, tasks: Task[], runs: CheckRunRecord[], base: string | null): Promise<void> {
  if (!ctx.config.feedback.onChecksFailed || !ctx.deps.port.feedback) return;
  const failed = runs.filter((r) => r.conclusion !== null && FAILED.has(r.conclusion));
  if (!failed.length) return;
  const cache = new Map<string, string[]>();
  for (const task of tasks) {
    if (task.prNumber === null) continue;
    const items: Parameters<typeof giveFeedback>[2] = [];
    for (const run of failed) {
      if (!(await counts(ctx, base ?? ctx.project.defaultBranch, run.name, cache))) continue;
      const annotations = await gatewayOf(ctx).checkRunAnnotations(run.id, MAX_ANNOTATIONS);
      items.push({
          kind: 'checks_failed',
          source: `check_run:${run.id}`,
          author: null,
          url: run.url,
          text: cleanForAgent(
            [`Check "${cleanInline(run.name)}" concluded ${run.conclusion}.`, run.title ? `\n${run.title}` : '', run.summary ? `\n${run.summary}` : ''].join(''),
          ),
          files: annotations.map((a) => ({
            path: a.path,
            line: a.line,
            body: cleanForAgent(`${a.level ? `[${a.level}] ` : ''}${a.title ? `${a.title}: ` : ''}${a.message}`),
          })),
      });
    }
    if (!items.length) continue;
    await ctx.deps.port.feedback.setPrState(task.id, 'failing');
    await giveFeedback(ctx, task, items, 'revise');
  }
}

/** A failing commit status (`status` event) on a task's PR head: feedback like a failed check. */
export async function statusFailed(
  ctx: RepoCtx,
  tasks: Task[],
  s: { id: number; context: string; state: string; description: string | null; targetUrl: string | null },
  base: string | null,
): Promise<void> {
  if (!ctx.config.feedback.onChecksFailed || !ctx.deps.port.feedback) return;
  if (s.state !== 'failure' && s.state !== 'error') return;
  const cache = new Map<string, string[]>();
  for (const task of tasks) {
    if (task.prNumber === null) continue;
    if (!(await counts(ctx, base ?? ctx.project.defaultBranch, s.context, cache))) continue;
    await ctx.deps.port.feedback.setPrState(task.id, 'failing');
    await giveFeedback(
      ctx,
      task,
      [
        {
          kind: 'checks_failed',
          source: `status:${s.id}`,
          author: null,
          url: s.targetUrl,
          text: cleanForAgent(`Status "${cleanInline(s.context)}" is ${s.state}.${s.description ? `\n${s.description}` : ''}`),
          files: [],
        },
      ],
      'revise',
    );
  }
}
