import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FakeGitHub } from './fakeGitHub.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BUNDLE = join(ROOT, 'action/dist/index.js');

/** Git with no user or system configuration leaking in from the machine running the tests. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig-none'),
    GIT_CONFIG_NOSYSTEM: '1',
    LANG: 'C',
  };
}

export function git(cwd: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface TempRepo {
  dir: string;
  /** The job's checkout (GITHUB_WORKSPACE). */
  workspace: string;
  /** Its `origin`: a local bare repository standing in for GitHub. */
  remote: string;
  env: NodeJS.ProcessEnv;
  /** Branches on the remote. */
  remoteBranches(): string[];
  remoteFile(branch: string, path: string): string;
  cleanup(): Promise<void>;
}

/** A workspace cloned from a bare remote with one commit on `main`, as actions/checkout leaves it. */
export async function makeRepo(): Promise<TempRepo> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-action-'));
  const home = join(dir, 'home');
  await mkdir(home);
  const env = gitEnv(home);
  const remote = join(dir, 'origin.git');
  const seed = join(dir, 'seed');
  git(dir, env, 'init', '-q', '--bare', '-b', 'main', remote);
  git(dir, env, 'init', '-q', '-b', 'main', seed);
  await writeFile(join(seed, 'README.md'), '# widgets\n');
  git(seed, env, 'add', '.');
  git(seed, env, '-c', 'user.name=seed', '-c', 'user.email=seed@example.test', 'commit', '-q', '-m', 'initial');
  git(seed, env, 'remote', 'add', 'origin', remote);
  git(seed, env, 'push', '-q', 'origin', 'main');
  const workspace = join(dir, 'workspace');
  git(dir, env, 'clone', '-q', remote, workspace);
  return {
    dir,
    workspace,
    remote,
    env,
    remoteBranches: () =>
      git(remote, env, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
        .split('\n')
        .filter(Boolean),
    remoteFile: (branch, path) => git(remote, env, 'show', `${branch}:${path}`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses a GITHUB_OUTPUT file: `name<<delimiter` blocks (what @actions/core writes) and `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] ?? '');
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/**
 * The Action's inputs as a dispatched workflow passes them: no task, pool or epoch, `true` as the
 * agent, the stand-in GitHub's token, one-second heartbeats; `over` sets what a test is about.
 */
export function actionInputs(orchestratorUrl: string, gh: Pick<FakeGitHub, 'githubToken'>, over: Record<string, string>): Record<string, string> {
  return {
    'orchestrator-url': orchestratorUrl,
    task: '',
    pool: '',
    epoch: '',
    'agent-command': 'true',
    'github-token': gh.githubToken,
    'orchestrator-token': '',
    'heartbeat-seconds': '1',
    'timeout-minutes': '5',
    'draft-pr': 'false',
    ...over,
  };
}

/** What the runner gives a job with `id-token: write`, pointed at the stand-in GitHub and its OIDC issuer. */
export function oidcEnv(gh: Pick<FakeGitHub, 'url' | 'tokenRequestUrl' | 'tokenRequestToken'>): Record<string, string> {
  return { GITHUB_API_URL: gh.url, ACTIONS_ID_TOKEN_REQUEST_URL: gh.tokenRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: gh.tokenRequestToken };
}

export interface RunActionOptions {
  inputs: Record<string, string>;
  repo: TempRepo;
  env?: NodeJS.ProcessEnv;
  /** Called with each chunk of the action's stdout (to react to what it logs). */
  onStdout?: (chunk: string) => void;
}

/** Runs the bundled action the way a runner does: `node action/dist/index.js` with INPUT_* and the GITHUB_* files. */
export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const files = await mkdtemp(join(opts.repo.dir, 'runner-'));
  const outputFile = join(files, 'output');
  const summaryFile = join(files, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    ...opts.repo.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: opts.repo.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '4242',
    RUNNER_NAME: 'vm-1',
    RUNNER_TEMP: files,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(opts.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [BUNDLE], { cwd: opts.repo.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    opts.onStdout?.(d);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
  };
}

/** Writes an executable fake agent script and returns the command that runs it. */
export async function fakeAgent(repo: TempRepo, name: string, script: string): Promise<string> {
  const path = join(repo.dir, `${name}.sh`);
  await writeFile(path, `#!/usr/bin/env bash\nset -euo pipefail\n${script}\n`, { mode: 0o755 });
  return `bash ${JSON.stringify(path)}`;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for a condition by polling (no wall-clock assertions: only a generous ceiling). */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ceilingMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ceilingMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
