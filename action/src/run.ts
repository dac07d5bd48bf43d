import * as core from '@actions/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { systemClock, type Clock } from './clock.js';
import { createGit } from './git.js';
import { InputError, readInputs, type Inputs } from './inputs.js';
import type { Logger } from './logger.js';
import { runJob, type JobResult } from './main.js';
import { createOrchestratorClient, type TokenProvider } from './orchestratorClient.js';
import { createProcessRunner } from './processRunner.js';
import { createGitHubClient } from './pullRequest.js';
import { describeError } from '../../app/core/describeError.js';

const coreLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
  group: (name, fn) => core.group(name, fn),
};

/** Seconds until a JWT's `exp`, or undefined when it cannot be read. */
function secondsLeft(jwt: string, nowMs: number): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp - nowMs / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The job's credential for the orchestrator: a GitHub OIDC token whose audience is the
 * orchestrator's URL (refreshed before it expires and after a 401), or the per-pool token on
 * runners without OIDC.
 */
export function createTokenProvider(inputs: Inputs, env: NodeJS.ProcessEnv, clock: Clock, log: Logger): TokenProvider {
  const oidc = Boolean(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
  if (!oidc && !inputs.orchestratorToken) {
    throw new InputError(
      'no credential for the orchestrator: give the job `permissions: id-token: write` (GitHub OIDC, preferred) or pass the pool token as input "orchestrator-token"',
    );
  }
  let cached: string | undefined;
  let oidcFailed = false;
  return async (refresh) => {
    if (!oidc || oidcFailed) return inputs.orchestratorToken as string;
    const left = cached ? secondsLeft(cached, clock.now()) : undefined;
    if (cached && !refresh && (left === undefined || left > 60)) return cached;
    try {
      cached = await core.getIDToken(inputs.orchestratorUrl);
      return cached;
    } catch (err) {
      if (!inputs.orchestratorToken) throw new Error(`could not get a GitHub OIDC token: ${describeError(err)}`);
      log.warning(`could not get a GitHub OIDC token (${describeError(err)}); using the pool token instead`);
      oidcFailed = true;
      return inputs.orchestratorToken;
    }
  };
}

function setOutputs(r: Partial<JobResult> & { result: string }) {
  core.setOutput('task', r.task?.key ?? '');
  core.setOutput('branch', r.branch ?? '');
  core.setOutput('pull-request', r.pullRequest?.url ?? '');
  core.setOutput('result', r.result);
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

async function writeSummary(r: JobResult, inputs: Inputs) {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const icon: Record<JobResult['result'], string> = { success: '✅', failed: '❌', timeout: '⏱️', stale: '↩️', 'no-task': '💤' };
  const rows: [string, string][] = [
    ['Result', `${icon[r.result]} ${r.result}${r.reason ? `: ${r.reason}` : ''}`],
    ['Task', r.task ? `${r.task.key}: ${r.task.title}${r.task.issueNumber ? ` (#${r.task.issueNumber})` : ''}` : inputs.task ?? '(none)'],
    ['Pool', inputs.pool ?? ''],
    ['Epoch', r.epoch !== undefined ? String(r.epoch) : inputs.epoch !== undefined ? String(inputs.epoch) : ''],
    ['Branch', r.branch ?? ''],
    ['Pull request', r.pullRequest ? `<a href="${r.pullRequest.url}">#${r.pullRequest.number}</a>${r.pullRequest.created ? '' : ' (updated)'}` : ''],
    ['Time taken', `${formatDuration(r.durationMs)}${r.agentMs !== undefined ? ` (agent ${formatDuration(r.agentMs)})` : ''}`],
    ['Heartbeats', r.heartbeats ? `${r.heartbeats.ok} ok, ${r.heartbeats.failed} failed` : ''],
  ];
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  await core.summary
    .addHeading('Fleet agent', 2)
    .addTable([
      [{ data: 'Item', header: true }, { data: 'Value', header: true }],
      ...rows.map(([k, v]) => [k, k === 'Pull request' ? v : escape(v)]),
    ])
    .write();
}

/** The action's entry: inputs, wiring, the job, outputs and summary; every failure a clear setFailed. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let inputs: Inputs;
  try {
    inputs = readInputs((name) => core.getInput(name));
  } catch (err) {
    core.setOutput('result', 'failed');
    core.setFailed(describeError(err));
    return;
  }
  core.setSecret(inputs.githubToken);
  if (inputs.orchestratorToken) core.setSecret(inputs.orchestratorToken);

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const repository = env.GITHUB_REPOSITORY ?? '';
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const apiUrl = env.GITHUB_API_URL || 'https://api.github.com';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    core.setOutput('result', 'failed');
    core.setFailed('GITHUB_REPOSITORY is not set (expected owner/repo): run this action inside a GitHub Actions job');
    return;
  }
  const runUrl = env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  const clock = systemClock;
  const onRetry = (what: string, err: unknown, attempt: number, delay: number) =>
    core.warning(`${what} failed (attempt ${attempt}): ${describeError(err)}; retrying in ${Math.round(delay / 100) / 10} s`);

  let result: JobResult;
  try {
    const token = createTokenProvider(inputs, env, clock, coreLogger);
    const processes = createProcessRunner();
    result = await runJob({
      inputs,
      context: {
        workspace,
        tempDir: env.RUNNER_TEMP || tmpdir(),
        repository,
        serverUrl,
        runUrl,
        runnerName: env.RUNNER_NAME,
        baseEnv: env,
      },
      orchestrator: createOrchestratorClient({
        baseUrl: inputs.orchestratorUrl,
        token,
        clock,
        onRetry,
        project: repository,
        headers: {
          'user-agent': 'fleet-agent-action',
          ...(env.GITHUB_RUN_ID ? { 'x-github-run-id': env.GITHUB_RUN_ID } : {}),
          ...(env.RUNNER_NAME ? { 'x-fleet-runner': env.RUNNER_NAME } : {}),
        },
      }),
      github: createGitHubClient({ apiUrl, token: inputs.githubToken, clock, onRetry }),
      git: createGit({
        runner: processes,
        cwd: workspace,
        env,
        token: inputs.githubToken,
        serverUrl,
        identity: { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' },
      }),
      processes,
      clock,
      log: coreLogger,
      writeFile: async (path, content) => {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, content, { mode: 0o600 });
      },
      output: (chunk) => process.stdout.write(chunk),
    });
  } catch (err) {
    core.setOutput('result', 'failed');
    core.setFailed(describeError(err));
    return;
  }

  setOutputs(result);
  try {
    await writeSummary(result, inputs);
  } catch (err) {
    core.warning(`could not write the job summary: ${describeError(err)}`);
  }
  switch (result.result) {
    case 'success':
      core.info(`task ${result.task?.key} is in review: ${result.pullRequest?.url}`);
      break;
    case 'no-task':
      core.notice(result.reason ?? 'no task to do');
      break;
    case 'stale':
      core.warning(`stopped: ${result.reason ?? 'the claim was superseded'}`);
      break;
    default:
      core.setFailed(`task ${result.task?.key ?? ''}: ${result.reason ?? result.result}`);
  }
}
