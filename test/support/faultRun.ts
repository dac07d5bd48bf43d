import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { openPgDb } from '../../app/store/pgDb.js';
import { migrate } from '../../app/store/migrate.js';
import { mintAgentToken } from '../../app/http/auth.js';
import { insertProject, type FixtureTask } from './fixtures.js';
import { freePort, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './privateServices.js';

/**
 * One fault run: an orchestrator process against a private Postgres and Redis, agents claiming
 * over HTTP the way the Action does (an Idempotency-Key per claim, every request retried until
 * it gets an answer), one fault injected part way, and what the agents saw measured.
 */

export type Fault = 'none' | 'redis-flushall' | 'redis-stopped' | 'redis-paused' | 'postgres-restarted' | 'orchestrator-killed';
export const FAULTS: Fault[] = ['none', 'redis-flushall', 'redis-stopped', 'redis-paused', 'postgres-restarted', 'orchestrator-killed'];

export interface FaultRunOptions {
  fault: Fault;
  tasks: number;
  agents: number;
  /** How long a stop or pause lasts. */
  faultMs: number;
  /** Inject the fault once this share of the tasks is done. */
  faultAt?: number;
  sweepSeconds: number;
  /** An agent's work on one task: between min and max ms. */
  workMs: [number, number];
  /** Pause between claims that found nothing. */
  pollMs: number;
  /** Give up this long after the fault healed if tasks are still not done (they count as lost). */
  settleMs: number;
  /** Progress lines while it runs (bench output goes to stderr). */
  log?: ((line: string) => void) | undefined;
}

export interface FaultRunResult {
  fault: Fault;
  /** Tasks handed out under more than one assignment, as the agents saw them. */
  duplicates: number;
  /** The same, as Postgres recorded it (assignments beyond one per task). */
  duplicateAssignments: number;
  /** Tasks not done when the run ended. */
  lost: number;
  /** Longest time a ready task waited while an agent asking for work was answered 204. */
  longestReadyWaitMs: number;
  /** Answers other than 2xx by status ('net' for no answer at all). */
  errors: Record<string, number>;
  /** From the end of the fault to the first claim answered 200 that was sent after it. */
  recoverMs: number | null;
  durationMs: number;
  done: number;
}

export interface FaultServices {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  close(): Promise<void>;
}

export async function startFaultServices(): Promise<FaultServices> {
  const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  return {
    pg,
    redis,
    async close() {
      redis.resume();
      await Promise.all([pg.destroy(), redis.destroy()]);
    },
  };
}

const CHILD = fileURLToPath(new URL('./orchestratorChild.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once the process has exited, also when it already had (a crashed orchestrator is a finding, not a hang). */
function untilExited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Starts the orchestrator process and waits for its URL. */
async function spawnOrchestrator(env: NodeJS.ProcessEnv, log?: (line: string) => void): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  // An orchestrator that dies on its own is a finding: say why.
  child.once('exit', (code, signal) => {
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && code !== 0) log?.(`orchestrator exited (code ${code}): ${err}`);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`orchestrator exited (${code}) before listening: ${err}`)));
  });
  return { child, url };
}

export async function runFault(svc: FaultServices, o: FaultRunOptions): Promise<FaultRunResult> {
  const schema = `f_${o.fault.replace(/-/g, '_')}_${randomBytes(3).toString('hex')}`;
  const prefix = `fleet:${schema}:`;
  const seedDb = await openPgDb({ connectionString: svc.pg.url, schema, max: 2 });
  await migrate(seedDb);
  // Every tenth task waits on one finished earlier, so readiness moves during the run.
  const fixture: FixtureTask[] = Array.from({ length: o.tasks }, (_, i) => ({
    key: `1.${i + 1}`,
    cp: (i * 7919) % 97,
    ...(i >= 10 && i % 10 === 0 ? { deps: [`1.${i - 7}`] } : {}),
  }));
  const { ids } = await insertProject(seedDb, fixture, 'bench/faults');
  const depsOf = new Map<number, number>(); // dependency id -> dependent ids are found below
  const dependents = new Map<number, number[]>();
  for (const t of fixture) for (const d of t.deps ?? []) {
    const from = ids.get(d)!;
    const to = ids.get(t.key)!;
    depsOf.set(to, from);
    dependents.set(from, [...(dependents.get(from) ?? []), to]);
  }
  const tokens = await Promise.all(Array.from({ length: o.agents }, (_, i) => mintAgentToken(seedDb, `fault-agent-${i}`)));
  await seedDb.close();

  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: svc.pg.url,
    DATABASE_SCHEMA: schema,
    REDIS_URL: svc.redis.url,
    REDIS_PREFIX: prefix,
    FLEET_ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'fleet-fault-')),
    SWEEP_INTERVAL_SECONDS: String(o.sweepSeconds),
    LOG_LEVEL: 'silent',
  };
  let orch = await spawnOrchestrator(env, o.log);
  const url = orch.url;

  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const readyAt = new Map<number, number>();
  for (const id of ids.values()) if (!depsOf.has(id)) readyAt.set(id, 0);
  const claimedAt = new Map<number, number>();
  const assignmentsOf = new Map<number, Set<number>>();
  const emptySentAt: number[] = [];
  const errors: Record<string, number> = {};
  let done = 0;
  let stop = false;
  let healedAt: number | null = null;
  let recoverMs: number | null = null;

  /** One request, repeated (same body, same headers) until it gets an answer that is not 5xx. */
  const send = async (method: string, p: string, token: string, body: unknown, headers: Record<string, string> = {}) => {
    for (;;) {
      const sentAt = now();
      try {
        const res = await fetch(url + p, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        if (res.status >= 500 || res.status === 429) {
          errors[res.status] = (errors[res.status] ?? 0) + 1;
        } else {
          if (res.status >= 400) errors[res.status] = (errors[res.status] ?? 0) + 1;
          return { status: res.status, json: text ? JSON.parse(text) : null, sentAt };
        }
      } catch {
        errors.net = (errors.net ?? 0) + 1;
      }
      if (stop) return { status: 0, json: null, sentAt };
      await sleep(100 + Math.random() * 100);
    }
  };

  const agent = async (i: number) => {
    const { token } = tokens[i]!;
    while (!stop) {
      const c = await send('POST', '/api/assignments/claim', token, {}, { 'idempotency-key': randomUUID() });
      if (c.status === 204) {
        emptySentAt.push(c.sentAt);
        await sleep(o.pollMs);
        continue;
      }
      if (c.status !== 200) continue;
      const at = now();
      if (healedAt !== null && recoverMs === null && c.sentAt >= healedAt) recoverMs = at - healedAt;
      const taskId: number = c.json.task.id;
      if (!claimedAt.has(taskId)) claimedAt.set(taskId, at);
      const seen = assignmentsOf.get(taskId) ?? new Set<number>();
      seen.add(c.json.assignment.id);
      assignmentsOf.set(taskId, seen);
      await sleep(o.workMs[0] + Math.random() * (o.workMs[1] - o.workMs[0]));
      const r = await send('PATCH', `/api/assignments/${c.json.assignment.id}/progress`, token, { epoch: c.json.lease.epoch, status: 'done' });
      if (r.status === 200) {
        done++;
        const doneAt = now();
        for (const d of dependents.get(taskId) ?? []) if (!readyAt.has(d)) readyAt.set(d, doneAt);
      }
    }
  };

  const inject = async () => {
    while (!stop && done < o.tasks * (o.faultAt ?? 0.25)) await sleep(20);
    if (stop) return;
    switch (o.fault) {
      case 'none':
        return;
      case 'redis-flushall': {
        const r = new Redis(svc.redis.url);
        await r.flushall();
        r.disconnect();
        break;
      }
      case 'redis-stopped':
        await svc.redis.stop();
        await sleep(o.faultMs);
        await svc.redis.start();
        break;
      case 'redis-paused':
        svc.redis.pause();
        await sleep(o.faultMs);
        svc.redis.resume();
        break;
      case 'postgres-restarted':
        await svc.pg.restart();
        break;
      case 'orchestrator-killed': {
        const exited = untilExited(orch.child);
        orch.child.kill('SIGKILL');
        await exited;
        orch = await spawnOrchestrator(env, o.log);
        break;
      }
    }
    healedAt = now();
  };

  // Runs until every task is done, or nothing moved for settleMs after the fault healed.
  const allDone = (async () => {
    const faulted = inject();
    let lastDone = -1;
    let lastChange = now();
    let lastLog = 0;
    while (done < o.tasks) {
      await sleep(50);
      if (o.log && now() - lastLog > 2000) {
        lastLog = now();
        o.log(`${o.fault} t=${(now() / 1000).toFixed(1)}s done=${done}/${o.tasks} healed=${healedAt !== null} errors=${JSON.stringify(errors)}`);
      }
      if (done !== lastDone) {
        lastDone = done;
        lastChange = now();
      }
      if ((o.fault === 'none' || healedAt !== null) && now() - lastChange > o.settleMs) break;
    }
    stop = true;
    await faulted;
  })();

  const agents = Array.from({ length: o.agents }, (_, i) => agent(i));
  await allDone;
  const durationMs = now();
  await Promise.all(agents);

  // The record: what Postgres says was handed out and finished.
  const db = await openPgDb({ connectionString: svc.pg.url, schema, max: 1 });
  const { rows } = await db.query<{ not_done: number; extra: number }>(
    `SELECT (SELECT count(*)::int FROM tasks WHERE status <> 'done') AS not_done,
            (SELECT count(*)::int - count(DISTINCT task_id)::int FROM assignments) AS extra`,
  );
  await db.close();
  orch.child.kill('SIGTERM');
  await untilExited(orch.child);

  // Waits: for each task, from the first 204 sent once it was ready to the claim that took it.
  emptySentAt.sort((a, b) => a - b);
  let longest = 0;
  for (const [id, ready] of readyAt) {
    const taken = claimedAt.get(id) ?? durationMs;
    let lo = 0;
    let hi = emptySentAt.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (emptySentAt[mid]! < ready) lo = mid + 1;
      else hi = mid;
    }
    const firstEmpty = emptySentAt[lo];
    if (firstEmpty !== undefined && firstEmpty < taken) longest = Math.max(longest, taken - firstEmpty);
  }

  let duplicates = 0;
  for (const s of assignmentsOf.values()) if (s.size > 1) duplicates += s.size - 1;
  return {
    fault: o.fault,
    duplicates,
    duplicateAssignments: rows[0]!.extra,
    lost: rows[0]!.not_done,
    longestReadyWaitMs: longest,
    errors,
    recoverMs: o.fault === 'none' ? null : recoverMs,
    durationMs,
    done,
  };
}
