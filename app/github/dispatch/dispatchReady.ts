import type { RepoCtx } from '../context.js';
import type { Task } from '../../engine/types.js';
import { errorText, httpStatus } from '../types.js';
import { gatewayOf } from '../gateway/gatewayOf.js';
import { parseRunTitle } from './runTitle.js';
import { once, retryable } from '../effects/once.js';
import { labelOnce } from '../effects/writes.js';

type PoolConfig = RepoCtx['config']['pools'][number];

export const poolLabel = (name: string) => `fleet:pool/${name}`;

/** A round works on the task's existing branch and PR; anything else starts a new branch. */
export const dispatchMode = (task: Pick<Task, 'roundMode' | 'prNumber' | 'branch'>): 'new' | 'revise' | 'rebase' =>
  task.roundMode && task.prNumber !== null && task.branch ? task.roundMode : 'new';

export interface Dispatched {
  pool: string;
  taskKey: string;
  issueNumber: number | null;
  epoch: number;
  workflowRunId: number | null;
}

/**
 * What a dispatch is for, recorded with the delivery before the workflow is dispatched: a re-run of
 * the delivery (after a crash) dispatches this same assignment — same task, same epoch — rather
 * than claiming again, and dispatches it only if GitHub has no run for it yet.
 */
interface DispatchIntent {
  pool: string;
  workflow: string;
  ref: string;
  inputs: Record<string, string>;
  taskId: number;
  taskKey: string;
  issueNumber: number | null;
  assignmentId: number;
  epoch: number;
  runsOn: string[];
}

const isIntent = (v: unknown): v is DispatchIntent => !!v && typeof v === 'object' && typeof (v as DispatchIntent).assignmentId === 'number';

/**
 * Fills every pool's free capacity: claims the best ready task for the pool through the engine,
 * dispatches the pool's workflow with the task's inputs, labels the issue with the pool and
 * records the dispatch as evidence. A dispatch GitHub refuses hands the claim back at once; one
 * that failed in a way a retry may fix (5xx, no answer) keeps the claim and fails the delivery,
 * whose retry dispatches the same claim.
 *
 * Each claim is recorded under the delivery (github_effects `claim:<pool>:<n>`) before it is made
 * and the workflow_dispatch under `dispatch:a<assignment>`, so a re-run first finishes the claims
 * an earlier run made, then claims only for the capacity still free.
 */
export async function dispatchReady(ctx: RepoCtx, opts: { maxPerPool?: number } = {}): Promise<Dispatched[]> {
  const { port } = ctx.deps;
  const effects = port.effects;
  const out: Dispatched[] = [];
  const earlier = await effects.list(ctx.deliveryId, 'claim:');
  for (const row of earlier) {
    if (row.done) continue;
    let it = isIntent(row.intent) ? row.intent : null;
    if (!it) {
      // Died between recording the intent and recording the claim: the claim, if it was made,
      // is the pool's active one from then that nothing names; adopt it (once, by the index).
      const pool = ctx.config.pools.find((x) => x.name === (row.intent as { pool?: unknown } | null)?.pool);
      const found = pool ? await effects.unrecordedPoolClaim(ctx.project.id, pool.name, row.startedAt) : null;
      const task = found ? await port.findTaskById(found.taskId) : null;
      if (!pool || !found || !task) {
        await effects.finish(ctx.deliveryId, row.key, { lost: !!pool && !!found });
        continue;
      }
      it = intentOf(ctx, pool, task, found.assignmentId, found.epoch);
      if (!(await effects.note(ctx.deliveryId, row.key, it))) {
        await effects.finish(ctx.deliveryId, row.key, { adoptedElsewhere: true });
        continue;
      }
      ctx.log.info({ delivery: ctx.deliveryId, task: it.taskKey, epoch: it.epoch }, 'claim of an interrupted run found; dispatching it');
    }
    const task = await port.findTaskById(it.taskId);
    if (!task || task.leaseEpoch !== it.epoch || (task.status !== 'assigned' && task.status !== 'in_progress')) {
      await effects.finish(ctx.deliveryId, row.key, { superseded: true });
      continue;
    }
    const d = await deliver(ctx, row.key, it);
    if (d) out.push(d);
  }
  for (const pool of ctx.config.pools) {
    let free = pool.capacity - (await port.activeInPool(ctx.project.id, pool.name));
    let budget = opts.maxPerPool ?? 50;
    let n = earlier.filter((r) => r.key.startsWith(`claim:${pool.name}:`)).length;
    while (free > 0 && budget-- > 0) {
      const key = `claim:${pool.name}:${++n}`;
      await effects.begin(ctx.deliveryId, key, { pool: pool.name });
      const claim = await port.claimForPool({ name: pool.name, capabilities: pool.capabilities, capacity: pool.capacity }, ctx.project.id);
      if (!claim) {
        await effects.finish(ctx.deliveryId, key, { empty: true });
        break;
      }
      free--;
      const it = intentOf(ctx, pool, claim.task, claim.assignment.id, claim.lease.epoch);
      if (!(await effects.note(ctx.deliveryId, key, it))) {
        // Another run adopted this claim as its own unrecorded one and dispatches it.
        await effects.finish(ctx.deliveryId, key, { adoptedElsewhere: true });
        continue;
      }
      const d = await deliver(ctx, key, it);
      if (!d) break; // the pool's workflow is broken or missing: try again on the next event
      out.push(d);
    }
  }
  return out;
}

function intentOf(ctx: RepoCtx, pool: PoolConfig, task: Task, assignmentId: number, epoch: number): DispatchIntent {
  return {
    pool: pool.name,
    workflow: pool.workflow,
    ref: pool.ref ?? ctx.project.defaultBranch,
    // Exactly the inputs runners/workflows/fleet-agent.yml declares (GitHub refuses others with 422).
    inputs: {
      task: task.key,
      issue: task.issueNumber === null ? '' : String(task.issueNumber),
      epoch: String(epoch),
      'orchestrator-url': ctx.deps.orchestratorUrl,
      pool: pool.name,
      'runs-on': JSON.stringify(pool.runsOn),
      // new | revise | rebase (#14). The feedback itself never travels in inputs (size, count,
      // and anyone who can read the run sees them): the job reads it from the claim.
      mode: dispatchMode(task),
    },
    taskId: task.id,
    taskKey: task.key,
    issueNumber: task.issueNumber,
    assignmentId,
    epoch,
    runsOn: pool.runsOn,
  };
}

/** Dispatches one recorded claim (once), then labels the issue and records the evidence. Null: GitHub refused, claim handed back. */
async function deliver(ctx: RepoCtx, claimKey: string, it: DispatchIntent): Promise<Dispatched | null> {
  const { port } = ctx.deps;
  let run: { runId: number | null; url: string | null };
  try {
    run = await once(ctx, `dispatch:a${it.assignmentId}`, () => gatewayOf(ctx).dispatchWorkflow(it.workflow, it.ref, it.inputs), {
      verify: (_i, startedAt) => findDispatchedRun(ctx, it, startedAt),
    });
  } catch (err) {
    if (retryable(err)) throw err; // logged by `once`; the claim stays for the delivery's retry
    ctx.log.warn({ delivery: ctx.deliveryId, pool: it.pool, task: it.taskKey, status: httpStatus(err), err: errorText(err) }, 'workflow dispatch failed; task handed back');
    await port.release(it.taskId, `dispatch of ${it.workflow} failed: ${errorText(err)}`, { countAttempt: false, epoch: it.epoch });
    await ctx.deps.port.effects.finish(ctx.deliveryId, claimKey, { refused: true });
    return null;
  }
  await port.recordDispatch(it.assignmentId, { workflowRunId: run.runId });
  if (it.issueNumber !== null) await labelOnce(ctx, it.issueNumber, [poolLabel(it.pool)]);
  await port.recordEvidence({
    projectId: ctx.project.id,
    taskId: it.taskId,
    type: 'dispatch',
    source: 'app',
    ref: it.workflow,
    url: run.url,
    deliveryId: `dispatch:${it.taskId}:${it.epoch}`,
    metadata: { pool: it.pool, epoch: it.epoch, workflow_run_id: run.runId, runs_on: it.runsOn, assignment_id: it.assignmentId },
  });
  await ctx.deps.port.effects.finish(ctx.deliveryId, claimKey, { runId: run.runId });
  return { pool: it.pool, taskKey: it.taskKey, issueNumber: it.issueNumber, epoch: it.epoch, workflowRunId: run.runId };
}

/**
 * After a crash during a dispatch: the run GitHub made for it, if any. The agent workflow names
 * its run `fleet task=<key> epoch=<n>` (runners/workflows/fleet-agent.yml `run-name`).
 */
async function findDispatchedRun(ctx: RepoCtx, it: DispatchIntent, startedAt: Date): Promise<{ runId: number | null; url: string | null } | undefined> {
  const since = new Date(startedAt.getTime() - 60_000).toISOString();
  const runs = await gatewayOf(ctx).listDispatchedRuns(it.workflow, since);
  const hit = runs.find((r) => {
    const t = parseRunTitle(r.displayTitle) ?? parseRunTitle(r.name);
    return t?.key === it.taskKey && t.epoch === it.epoch;
  });
  return hit ? { runId: hit.id, url: hit.url } : undefined;
}
