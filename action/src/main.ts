import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from './clock.js';
import type { Git } from './git.js';
import { startHeartbeat, type Heartbeat, type HeartbeatStats } from './heartbeat.js';
import type { Inputs } from './inputs.js';
import type { Logger } from './logger.js';
import {
  LeaseSupersededError,
  type ClaimResponse,
  type ClaimedTask,
  type OrchestratorClient,
  type ProgressBody,
  type UsageBody,
} from './orchestratorClient.js';
import type { ProcessRunner } from './processRunner.js';
import { branchName, buildPrompt } from './prompt.js';
import { buildPullBody, openOrUpdatePullRequest, pullTitle, type GitHubClient } from './pullRequest.js';
import { describeError } from '../../app/core/describeError.js';
import { classifyExit, type ExitClassification } from './exitReason.js';
import { readAgentUsage, UsageTracker, usageReportBody, type AgentUsage } from './usage/index.js';

export type JobResultKind = 'success' | 'failed' | 'timeout' | 'stale' | 'no-task';

export interface JobResult {
  result: JobResultKind;
  /** Why it did not succeed, in one sentence. */
  reason?: string | undefined;
  task?: { id: number; key: string; title: string; issueNumber: number | null } | undefined;
  assignmentId?: number | undefined;
  epoch?: number | undefined;
  branch?: string | undefined;
  commit?: string | undefined;
  pullRequest?: { number: number; url: string; created: boolean } | undefined;
  durationMs: number;
  agentMs?: number | undefined;
  heartbeats?: HeartbeatStats | undefined;
  /** Why the agent stopped (#15), once it ran. */
  exit?: ExitClassification | undefined;
  /** What the agent used, from $FLEET_USAGE_FILE or its own output, once it ran. */
  usage?: AgentUsage | undefined;
}

/** Facts about the run, from the runner's environment. */
export interface JobContext {
  workspace: string;
  tempDir: string;
  repository: string;
  serverUrl: string;
  runUrl?: string | undefined;
  runnerName?: string | undefined;
  /** The environment the agent starts from; secrets and runner plumbing are removed before use. */
  baseEnv: NodeJS.ProcessEnv;
}

export interface JobDeps {
  inputs: Inputs;
  context: JobContext;
  orchestrator: OrchestratorClient;
  github: GitHubClient;
  git: Git;
  processes: ProcessRunner;
  clock: Clock;
  log: Logger;
  writeFile: (path: string, content: string) => Promise<void>;
  /** Where the agent's output goes (the job log). */
  output: (chunk: string) => void;
  /** Grace between SIGTERM and SIGKILL for the agent. */
  killGraceMs?: number;
}

/**
 * Variables the agent must not see: action inputs (tokens), the OIDC request credentials (it
 * could mint tokens for the orchestrator), the runner's own tokens, and the files through which
 * a step changes later steps or this step's outputs.
 */
const HIDDEN_FROM_AGENT = [
  /^INPUT_/,
  /^ACTIONS_ID_TOKEN_REQUEST_/,
  /^ACTIONS_RUNTIME_/,
  /^ACTIONS_CACHE_URL$/,
  /^ACTIONS_RESULTS_URL$/,
  /^GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$/,
  /^FLEET_ORCHESTRATOR_TOKEN$/,
];

export function agentEnvironment(
  base: NodeJS.ProcessEnv,
  task: ClaimedTask,
  extra: { branch: string; baseBranch: string; promptFile: string; epoch: number; workspace: string; usageFile?: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!HIDDEN_FROM_AGENT.some((re) => re.test(k))) env[k] = v;
  return {
    ...env,
    FLEET_TASK_ID: String(task.id),
    FLEET_TASK_KEY: task.key,
    FLEET_TASK_TITLE: task.title,
    FLEET_ISSUE_NUMBER: task.issue_number ? String(task.issue_number) : '',
    FLEET_EPIC_KEY: task.epic_key ?? '',
    FLEET_BRANCH: extra.branch,
    FLEET_BASE_BRANCH: extra.baseBranch,
    FLEET_PROMPT_FILE: extra.promptFile,
    FLEET_EPOCH: String(extra.epoch),
    FLEET_WORKSPACE: extra.workspace,
    // Where the agent may write its usage as JSON lines ({input_tokens, output_tokens, cost_usd, model, turns}).
    FLEET_USAGE_FILE: extra.usageFile ?? '',
  };
}

/** The whole job: claim or confirm, branch, prompt, agent under heartbeats and a timeout, push, PR, report. */
export async function runJob(deps: JobDeps): Promise<JobResult> {
  const { inputs, context, orchestrator, log, clock } = deps;
  const started = clock.now();
  const elapsed = () => clock.now() - started;

  // 1. Claim (or confirm the app's claim at its epoch).
  let claim: ClaimResponse | null;
  try {
    claim = await log.group(inputs.task ? `Confirm the claim of task ${inputs.task}` : `Claim a task for pool ${inputs.pool}`, async () => {
      const c = await orchestrator.claim({ pool: inputs.pool, taskKey: inputs.task, epoch: inputs.epoch });
      if (c) log.info(`task ${c.task.key} "${c.task.title}" (assignment ${c.assignment.id}, epoch ${c.lease.epoch}, lease until ${c.lease.expires_at})`);
      else log.info(`no ready task fits pool ${inputs.pool}`);
      return c;
    });
  } catch (err) {
    if (err instanceof LeaseSupersededError) {
      log.warning(`the claim is no longer current: ${err.message}; stopping without doing anything`);
      return { result: 'stale', reason: err.message, durationMs: elapsed() };
    }
    throw err;
  }
  if (!claim) return { result: 'no-task', reason: `no ready task fits pool ${inputs.pool}`, durationMs: elapsed() };

  const { task, assignment } = claim;
  const epoch = claim.lease.epoch;
  const result: JobResult = {
    result: 'failed',
    task: { id: task.id, key: task.key, title: task.title, issueNumber: task.issue_number ?? null },
    assignmentId: assignment.id,
    epoch,
    durationMs: 0,
  };
  const finish = (kind: JobResultKind, reason?: string): JobResult => {
    result.result = kind;
    if (reason !== undefined) result.reason = reason;
    result.durationMs = elapsed();
    return result;
  };

  // 2. Heartbeats from now until the end: a superseded claim aborts everything; an answer that
  // says stop (a spent budget, a pause with `pause: stop`, /fleet stop) stops the agent (issue 15).
  const stale = new AbortController();
  let staleReason = '';
  const halt = new AbortController();
  let haltedBy: { reason: 'stopped' | 'paused' | 'budget'; message: string } | null = null;
  // The run's usage so far, posted with each beat and once at the end (cumulative; best effort).
  let usageSoFar: (() => Promise<UsageBody | null>) | null = null;
  const postUsage = async (): Promise<void> => {
    if (!usageSoFar || !orchestrator.usage) return;
    try {
      const body = await usageSoFar();
      if (body) await orchestrator.usage(assignment.id, body);
    } catch (err) {
      log.warning(`could not report usage: ${describeError(err)}`);
    }
  };
  const heartbeat: Heartbeat = startHeartbeat({
    intervalMs: inputs.heartbeatSeconds * 1000,
    clock,
    beat: async (signal) => {
      await postUsage();
      return orchestrator.heartbeat(assignment.id, epoch, { signal });
    },
    onStop: (stop) => {
      haltedBy = stop;
      log.warning(`the orchestrator asked to stop (${stop.reason}): ${stop.message}; stopping the agent, nothing will be committed`);
      halt.abort();
    },
    onStale: (err) => {
      staleReason = err.message;
      log.warning(`claim superseded: ${err.message}; stopping the agent, nothing will be pushed`);
      stale.abort();
    },
    onFailure: (err, n) => log.warning(`heartbeat failed (${n} in a row), will keep trying: ${describeError(err)}`),
    onRecovered: (n) => log.info(`heartbeats are getting through again after ${n} failed`),
  });
  result.heartbeats = heartbeat.stats;

  /** Best-effort report of the end; a refusal is logged, never turned into a different result. */
  const report = async (body: Omit<ProgressBody, 'epoch'>) => {
    try {
      await orchestrator.progress(assignment.id, { epoch, ...body });
    } catch (err) {
      log.warning(`could not report ${body.status ?? 'progress'} to the orchestrator: ${describeError(err)}`);
    }
  };
  const stopStale = async (): Promise<JobResult> => {
    await heartbeat.stop();
    return finish('stale', staleReason || 'the claim was superseded by a newer one');
  };
  const fail = async (reason: string, kind: 'failed' | 'timeout' = 'failed'): Promise<JobResult> => {
    await heartbeat.stop();
    if (stale.signal.aborted) return finish('stale', staleReason);
    log.error(reason);
    const exit = haltedBy?.reason === 'budget' ? 'budget' : result.exit?.reason;
    await report({ status: 'failed', notes: reason.slice(0, 2000), ...(exit && exit !== 'success' ? { exit_reason: exit } : {}) });
    return finish(kind, reason);
  };

  try {
    try {
      await orchestrator.progress(assignment.id, {
        epoch,
        status: 'in_progress',
        percent_complete: 5,
        notes: `started${context.runnerName ? ` on runner ${context.runnerName}` : ''}${context.runUrl ? ` (${context.runUrl})` : ''}`,
      });
    } catch (err) {
      if (err instanceof LeaseSupersededError) {
        staleReason = err.message;
        return stopStale();
      }
      log.warning(`could not report the start: ${describeError(err)}`);
    }

    // 3. Branch from the default branch; a feedback round (#14) works on the task's own branch.
    const mode = inputs.mode;
    let baseBranch: string;
    let baseSha: string;
    let remoteSha: string;
    const roundBranch = claim.branch ?? task.branch;
    if (mode !== 'new' && !roundBranch) return fail(`a ${mode} round needs the task's branch, and the orchestrator names none for task ${task.key}`);
    const branch = mode === 'new' ? branchName(task) : branchName({ ...task, branch: roundBranch });
    result.branch = branch;
    try {
      ({ baseBranch, baseSha, remoteSha } = await log.group(`Prepare branch ${branch}`, async () => {
        const b = await deps.git.defaultBranch();
        const r = await deps.git.remoteBranchSha(branch);
        if (mode !== 'new') {
          if (!r) throw new Error(`the branch ${branch} of the ${mode} round does not exist on the remote`);
          const s = await deps.git.checkoutExistingBranch(branch, b);
          log.info(`${mode} round ${task.round ?? ''}: branch ${branch} at ${s.slice(0, 12)} (base ${b}), ${claim.feedback.length} feedback item(s)`);
          return { baseBranch: b, baseSha: s, remoteSha: r };
        }
        const s = await deps.git.checkoutNewBranch(branch, b);
        log.info(`branch ${branch} from ${b} at ${s.slice(0, 12)}${r ? `; the remote branch exists at ${r.slice(0, 12)} and will be replaced` : ''}`);
        return { baseBranch: b, baseSha: s, remoteSha: r };
      }));
    } catch (err) {
      return fail(`could not prepare the branch: ${describeError(err)}`);
    }

    // 4. The prompt file, outside the workspace so it is never committed: the task text, then
    // (in a round) the feedback, fenced as untrusted review input.
    const promptFile = join(context.tempDir, `fleet-task-${task.key.replace(/[^A-Za-z0-9._-]/g, '_')}.md`);
    try {
      // The task text as synced from the plan (served by the orchestrator, never the live issue body), with its source,
      // then a round's feedback fenced as untrusted review input.
      await deps.writeFile(
        promptFile,
        buildPrompt(task, { repository: context.repository, branch, baseBranch, serverUrl: context.serverUrl }, { provenance: claim.provenance ?? null, feedback: claim.feedback, mode }),
      );
    } catch (err) {
      return fail(`could not write the prompt file: ${describeError(err)}`);
    }

    // 5. The agent, under heartbeats and a timeout.
    const timeoutMs = Math.round(inputs.timeoutMinutes * 60_000);
    const agentStarted = clock.now();
    const usageFile = join(context.tempDir, `fleet-usage-${assignment.id}-${epoch}.jsonl`);
    const tracker = new UsageTracker();
    usageSoFar = async () => {
      const r = readAgentUsage({ usageFile: await readFile(usageFile, 'utf8').catch(() => null), output: tracker }).reading;
      return r ? usageReportBody(r, { epoch, wallMs: clock.now() - agentStarted, final: false, jobMs: elapsed() }) : null;
    };
    const run = await log.group(`Run the agent (timeout ${inputs.timeoutMinutes} min)`, () =>
      deps.processes.runAgent(inputs.agentCommand, {
        cwd: context.workspace,
        env: agentEnvironment(context.baseEnv, task, { branch, baseBranch, promptFile, epoch, workspace: context.workspace, usageFile }),
        timeoutMs,
        signal: AbortSignal.any([stale.signal, halt.signal]),
        killGraceMs: deps.killGraceMs ?? 10_000,
        onOutput: (chunk) => {
          tracker.write(chunk);
          deps.output(chunk);
        },
      }),
    );
    result.agentMs = clock.now() - agentStarted;
    tracker.end();
    const used = readAgentUsage({ usageFile: await readFile(usageFile, 'utf8').catch(() => null), output: tracker });
    for (const w of used.warnings) log.warning(w);
    result.usage = used.reading?.usage;
    const exitFacts = { ...run, agentEnd: used.reading?.end ?? null, outputTail: tracker.tail() };
    result.exit = classifyExit(exitFacts);
    const u = result.usage;
    log.info(
      `agent ended: ${result.exit.reason}${u ? `; used ${u.input_tokens ?? '?'} input and ${u.output_tokens ?? '?'} output tokens, ${u.cost_usd === null ? 'cost unknown' : `$${u.cost_usd.toFixed(4)}`}${u.turns === null ? '' : `, ${u.turns} turns`} (${used.reading?.source})` : '; no usage reported'}`,
    );

    usageSoFar = async () => (used.reading ? usageReportBody(used.reading, { epoch, wallMs: result.agentMs ?? 0, final: true, jobMs: elapsed() }) : null);
    await postUsage();
    if (stale.signal.aborted) return stopStale();
    if (haltedBy) {
      const h: { reason: string; message: string } = haltedBy;
      return fail(`stopped by the orchestrator (${h.reason}): ${h.message}; nothing was committed`);
    }
    if (run.aborted) return stopStale();
    if (run.timedOut) return fail(`the agent did not finish within ${inputs.timeoutMinutes} minutes and was stopped`, 'timeout');
    if (run.spawnError) return fail(`the agent command could not be started: ${run.spawnError}`);
    if (run.exitCode !== 0) {
      return fail(`the agent command failed (${run.exitCode === null ? `killed by ${run.signal}` : `exit code ${run.exitCode}`})`);
    }

    // 6. Commit and push what it produced, after checking the claim is still ours.
    let prNumber = 0;
    try {
      if (!(await deps.git.hasChanges(baseSha))) {
        result.exit = classifyExit({ ...exitFacts, changed: false });
        return fail('the agent finished but produced no change');
      }
      const message = `${task.key}: ${task.title}\n\nFleet task ${task.key}${task.issue_number ? ` (refs #${task.issue_number})` : ''}.`;
      result.commit = await deps.git.commitAll(message);
      const changed = await deps.git.changedFiles(baseSha);

      await orchestrator.heartbeat(assignment.id, epoch, { patient: true }); // fencing: never push for a superseded claim
      if (stale.signal.aborted) return stopStale();
      await log.group(`Push ${branch}`, async () => {
        await deps.git.push(branch, remoteSha);
        log.info(`pushed ${result.commit?.slice(0, 12)} (${changed.length} file(s) changed)`);
      });

      // 7. Pull request, then the orchestrator's record of it.
      const pr = await log.group('Open the pull request', async () => {
        const { pull, created } = await openOrUpdatePullRequest(deps.github, {
          repo: context.repository,
          branch,
          base: baseBranch,
          title: pullTitle(task),
          body: buildPullBody(task, { runUrl: context.runUrl, changedFiles: changed, agentSeconds: (result.agentMs ?? 0) / 1000 }),
          draft: inputs.draftPr,
        });
        log.info(`${created ? 'opened' : 'updated'} pull request #${pull.number}: ${pull.html_url}`);
        return { number: pull.number, url: pull.html_url, created };
      });
      result.pullRequest = pr;
      prNumber = pr.number;

      await orchestrator.taskGit(task.id, { epoch, branch, pr_number: pr.number, pr_url: pr.url });
      try {
        await orchestrator.evidence({
          task_id: task.id,
          type: 'note',
          ref: result.commit,
          url: pr.url,
          metadata: {
            kind: 'pull_request',
            pr_number: pr.number,
            branch,
            epoch,
            changed_files: changed.length,
            agent_ms: result.agentMs,
            ...(context.runUrl ? { run_url: context.runUrl } : {}),
          },
        });
      } catch (err) {
        log.warning(`could not record the evidence (the app records the PR from GitHub's events too): ${describeError(err)}`);
      }
    } catch (err) {
      if (err instanceof LeaseSupersededError) {
        staleReason = err.message;
        return stopStale();
      }
      return fail(`could not deliver the work: ${describeError(err)}`);
    }

    // 8. The work is in review: the assignment ends here, so heartbeats stop first.
    await heartbeat.stop();
    if (stale.signal.aborted) return finish('stale', staleReason);
    await report({ status: 'in_review', percent_complete: 100, notes: `pull request #${prNumber}` });
    return finish('success');
  } finally {
    // Whatever happened, no heartbeat outlives the job (a crash lets the lease expire).
    await heartbeat.stop();
  }
}
