import type { RepoCtx } from './context.js';
import { errorText, httpStatus } from './types.js';

export const poolLabel = (name: string) => `fleet:pool/${name}`;

export interface Dispatched {
  pool: string;
  taskKey: string;
  issueNumber: number | null;
  epoch: number;
  workflowRunId: number | null;
}

/** Hosts where workflow_dispatch refused `return_run_details` (older GitHub Enterprise). */
const noRunDetails = new WeakSet<object>();

/**
 * Fills every pool's free capacity: claims the best ready task for the pool through the engine,
 * dispatches the pool's workflow with the task's inputs, labels the issue with the pool and
 * records the dispatch as evidence. A dispatch GitHub refuses hands the claim back at once.
 */
export async function dispatchReady(ctx: RepoCtx, opts: { maxPerPool?: number } = {}): Promise<Dispatched[]> {
  const { port } = ctx.deps;
  const out: Dispatched[] = [];
  for (const pool of ctx.config.pools) {
    let free = pool.capacity - (await port.activeInPool(ctx.project.id, pool.name));
    let budget = opts.maxPerPool ?? 50;
    while (free > 0 && budget-- > 0) {
      const claim = await port.claimForPool({ name: pool.name, capabilities: pool.capabilities, capacity: pool.capacity }, ctx.project.id);
      if (!claim) break;
      const { task, assignment, lease } = claim;
      let runId: number | null = null;
      let runUrl: string | null = null;
      try {
        // Exactly the inputs runners/workflows/fleet-agent.yml declares (GitHub refuses others with 422).
        const r = await dispatchWorkflow(ctx, pool.workflow, pool.ref ?? ctx.project.defaultBranch, {
          task: task.key,
          issue: task.issueNumber === null ? '' : String(task.issueNumber),
          epoch: String(lease.epoch),
          'orchestrator-url': ctx.deps.orchestratorUrl,
          pool: pool.name,
          'runs-on': JSON.stringify(pool.runsOn),
        });
        runId = r.runId;
        runUrl = r.url;
      } catch (err) {
        ctx.log.warn({ pool: pool.name, task: task.key, status: httpStatus(err), err: errorText(err) }, 'workflow dispatch failed; task handed back');
        await port.release(task.id, `dispatch of ${pool.workflow} failed: ${errorText(err)}`, { countAttempt: false });
        break; // the pool's workflow is broken or missing: try again on the next event
      }
      free--;
      await port.recordDispatch(assignment.id, { workflowRunId: runId });
      if (task.issueNumber !== null) {
        try {
          await ctx.gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/labels', {
            owner: ctx.owner,
            repo: ctx.repo,
            issue_number: task.issueNumber,
            labels: [poolLabel(pool.name)],
          });
        } catch (err) {
          ctx.log.warn({ task: task.key, err: errorText(err) }, 'could not label the issue with its pool');
        }
      }
      await port.recordEvidence({
        projectId: ctx.project.id,
        taskId: task.id,
        type: 'dispatch',
        source: 'app',
        ref: pool.workflow,
        url: runUrl,
        deliveryId: `dispatch:${task.id}:${lease.epoch}`,
        metadata: { pool: pool.name, epoch: lease.epoch, workflow_run_id: runId, runs_on: pool.runsOn, assignment_id: assignment.id },
      });
      out.push({ pool: pool.name, taskKey: task.key, issueNumber: task.issueNumber, epoch: lease.epoch, workflowRunId: runId });
    }
  }
  return out;
}

async function dispatchWorkflow(
  ctx: RepoCtx,
  workflow: string,
  ref: string,
  inputs: Record<string, string>,
): Promise<{ runId: number | null; url: string | null }> {
  const params = { owner: ctx.owner, repo: ctx.repo, workflow_id: workflow, ref, inputs };
  const route = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches' as const;
  if (!noRunDetails.has(ctx.deps)) {
    try {
      const res = await ctx.gh.request(route, { ...params, return_run_details: true } as typeof params);
      const d = (res.data ?? {}) as { workflow_run_id?: unknown; html_url?: unknown };
      return {
        runId: typeof d.workflow_run_id === 'number' ? d.workflow_run_id : null,
        url: typeof d.html_url === 'string' ? d.html_url : null,
      };
    } catch (err) {
      const s = httpStatus(err);
      // GitHub Enterprise versions without the parameter reject it: remember, dispatch without.
      if (!((s === 400 || s === 422) && /return_run_details/i.test(errorText(err)))) throw err;
      noRunDetails.add(ctx.deps);
    }
  }
  await ctx.gh.request(route, params);
  return { runId: null, url: null };
}
