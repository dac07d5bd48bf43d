import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AgentRun {
  /** Exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Stopped from outside (the claim was superseded). */
  aborted: boolean;
  /** Could not be started at all (shell missing). */
  spawnError?: string;
}

export interface AgentOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  /** Grace between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  onOutput?: (chunk: string) => void;
}

export interface ProcessRunner {
  /** Runs a program with arguments (no shell), capturing its output. */
  exec(file: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<ExecResult>;
  /** Runs the agent command through bash in its own process group; kills the whole group on timeout or abort. */
  runAgent(command: string, opts: AgentOptions): Promise<AgentRun>;
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals) {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function createProcessRunner(): ProcessRunner {
  return {
    exec(file, args, opts) {
      return new Promise((resolve) => {
        const child = spawn(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      });
    },

    runAgent(command, opts) {
      return new Promise((resolve) => {
        const child = spawn('bash', ['-c', command], {
          cwd: opts.cwd,
          env: opts.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true, // own process group, so a timeout kills everything the agent started
        });
        let timedOut = false;
        let aborted = false;
        let killTimer: NodeJS.Timeout | undefined;
        const grace = opts.killGraceMs ?? 10_000;
        const stop = () => {
          killGroup(child.pid, 'SIGTERM');
          killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), grace);
        };
        const timer = setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
        const onAbort = () => {
          if (timedOut || aborted) return;
          aborted = true;
          stop();
        };
        if (opts.signal.aborted) onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
        const forward = (d: string) => opts.onOutput?.(d);
        child.stdout.setEncoding('utf8').on('data', forward);
        child.stderr.setEncoding('utf8').on('data', forward);
        let spawnError: string | undefined;
        child.on('error', (err) => {
          spawnError = err.message;
          if (child.pid === undefined) {
            clearTimeout(timer);
            opts.signal.removeEventListener('abort', onAbort);
            resolve({ exitCode: null, signal: null, timedOut: false, aborted: false, spawnError });
          }
        });
        // 'exit' comes first; anything the agent left running in its group would hold the pipes
        // open and delay 'close' forever, so the group is killed at exit.
        child.on('exit', () => killGroup(child.pid, 'SIGKILL'));
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          opts.signal.removeEventListener('abort', onAbort);
          if (killTimer) clearTimeout(killTimer);
          resolve({ exitCode: code, signal, timedOut, aborted, ...(spawnError ? { spawnError } : {}) });
        });
      });
    },
  };
}
