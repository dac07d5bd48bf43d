import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A Postgres cluster and a redis-server of our own, in a temp dir on random loopback ports, so
 * fault tests and bench:faults can stop, pause and restart them without touching the shared
 * services. Every process here is ours; nothing is found or killed by name.
 */

const run = promisify(execFile);

/**
 * What to stop if this process exits without cleaning up (a test worker killed on a timeout):
 * only the processes started here, by pid or by their own data dir.
 */
const onExit = new Set<() => void>();
process.once('exit', () => {
  for (const f of onExit) {
    try {
      f();
    } catch {
      // best effort while exiting
    }
  }
});

/** Where initdb and pg_ctl live: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
function pgBin(tool: string): string {
  const dirs = [process.env.PG_BIN, '/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
  for (const d of dirs) if (d && existsSync(path.join(d, tool))) return path.join(d, tool);
  return tool;
}

/** Postgres refuses to run as root: as root we run its tools as the postgres user. */
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function pgTool(tool: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]] : [pgBin(tool), args];
  const { stdout } = await run(cmd, argv, { timeout: 120_000 });
  return stdout;
}

async function chownToPostgres(p: string): Promise<void> {
  if (!asRoot) return;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  await chown(p, Number(stdout.trim()), Number(g.trim()));
}

/** A free loopback port (the OS picks it; a tiny race with other processes is accepted). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until a TCP connect to the port succeeds (or fails, with `up` false), polling with a deadline. */
export async function waitForPort(port: number, up = true, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open === up) return;
    if (Date.now() > end) throw new Error(`port ${port} did not ${up ? 'open' : 'close'} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PrivatePostgres {
  url: string;
  port: number;
  dir: string;
  start(): Promise<void>;
  /** Fast shutdown: sessions are terminated (57P01), new connections refused. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  destroy(): Promise<void>;
}

/** initdb in a temp dir and a postmaster on a random port, trust auth for postgres on loopback only. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'fleet-pg-'));
  await chownToPostgres(dir);
  const data = path.join(dir, 'data');
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c shared_buffers=32MB`;
  let running = false;
  const emergencyStop = () => {
    if (!running) return;
    const argv = ['-D', data, '-m', 'immediate', 'stop'];
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', pgBin('pg_ctl'), ...argv], { stdio: 'ignore' });
    else execFileSync(pgBin('pg_ctl'), argv, { stdio: 'ignore' });
  };
  onExit.add(emergencyStop);
  const pgpg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    async start() {
      await pgTool('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      await pgTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async restart() {
      await pgpg.stop();
      await pgpg.start();
    },
    async destroy() {
      if (running) await pgpg.stop().catch(() => undefined);
      onExit.delete(emergencyStop);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await pgpg.start();
  return pgpg;
}

export interface PrivateRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  /** SIGTERM and wait for exit: clients see the connection close. */
  stop(): Promise<void>;
  /** SIGSTOP: the socket stays open but nothing answers (a hung Redis). */
  pause(): void;
  resume(): void;
  destroy(): Promise<void>;
}

/** A redis-server on a random port, no persistence, so a restart comes back empty (like a lost node). */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'fleet-redis-'));
  const conf = path.join(dir, 'redis.conf');
  await writeFile(conf, `port ${port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir ${dir}\nmaxmemory-policy noeviction\n`);
  let child: ChildProcess | null = null;
  let paused = false;
  const emergencyStop = () => {
    if (child?.pid) process.kill(child.pid, 'SIGKILL');
  };
  onExit.add(emergencyStop);
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      const c = spawn('redis-server', [conf], { stdio: 'ignore' });
      child = c;
      c.once('exit', () => {
        if (child === c) child = null;
      });
      await waitForPort(port, true);
    },
    async stop() {
      const c = child;
      if (!c) return;
      if (paused) r.resume();
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      await exited;
      await waitForPort(port, false);
    },
    pause() {
      if (child?.pid) process.kill(child.pid, 'SIGSTOP');
      paused = true;
    },
    resume() {
      if (child?.pid) process.kill(child.pid, 'SIGCONT');
      paused = false;
    },
    async destroy() {
      await r.stop().catch(() => undefined);
      onExit.delete(emergencyStop);
      await rm(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}

/** Polls `fn` until it returns a truthy value, failing with `what` after the deadline. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
