/**
 * npm run bench:claims — claims per second and p50/p99 latency of the claim path, for 1, 16 and 64
 * concurrent agents over 1k, 100k and 1M queued tasks, on both ordering backends, beside a bare
 * `SELECT ... FOR UPDATE SKIP LOCKED` + `UPDATE` loop on the same database (the baseline).
 * Sizes: BENCH_SIZES=1000,100000,1000000 (default); claims per cell: BENCH_CLAIMS=1000.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { openPgDb } from '../app/store/pgDb.js';
import { migrate } from '../app/store/migrate.js';
import type { Db } from '../app/store/db.js';
import { Engine } from '../app/engine/engine.js';
import { LocalEventBus } from '../app/engine/events.js';
import { PostgresQueue } from '../app/queue/postgresQueue.js';
import { RedisQueue } from '../app/queue/redisQueue.js';
import { refreshReadiness } from '../app/engine/sql/refreshReadiness.js';

const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const SIZES = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
const CLAIMS = Number(process.env.BENCH_CLAIMS ?? 1000);
const CONCURRENCY = [1, 16, 64];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function seed(db: Db, n: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('bench', $1) RETURNING id`, [`claims-${n}`]);
  const pid = rows[0]!.id;
  for (let i = 0; i < n; i += 50_000) {
    const m = Math.min(50_000, n - i);
    await db.query(
      `INSERT INTO tasks (project_id, key, title, estimated_hours, priority, critical_path_hours, ready_since)
       SELECT $1, '1.' || g, 'task ' || g, 1 + g % 40, g % 4, (g::bigint * 7919) % 500, now() - (g % 1000) * interval '1 second'
       FROM generate_series($2::int, $3::int) g`,
      [pid, i + 1, i + m],
    );
  }
  await db.query('ANALYZE tasks');
  return pid;
}

/** Puts claimed tasks back so every cell starts from the same queue. */
async function reset(db: Db, queue: RedisQueue | PostgresQueue): Promise<void> {
  await db.query(`DELETE FROM assignments`);
  const { rows } = await db.query<{ id: number }>(`UPDATE tasks SET status = 'pending', ready_since = NULL WHERE status = 'assigned' RETURNING id`);
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 5000) {
    const change = await refreshReadiness(db, ids.slice(i, i + 5000));
    await queue.add(change.becameReady);
  }
}

async function timeLoop(conc: number, claimOnce: (worker: number) => Promise<boolean>): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let left = CLAIMS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      while (left-- > 0) {
        const s = performance.now();
        if (!(await claimOnce(w))) return;
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  return { perSec: lat.length / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

async function main() {
  const schema = `bench_claims_${randomBytes(3).toString('hex')}`;
  const db = await openPgDb({ connectionString: PG_URL, schema, max: 70 });
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:${schema}:`;
  const rows: string[][] = [];
  try {
    await migrate(db);
    for (const size of SIZES) {
      await db.query('TRUNCATE projects, agents CASCADE');
      process.stderr.write(`seeding ${size} tasks...\n`);
      await seed(db, size);
      const events = new LocalEventBus();
      const redisQueue = new RedisQueue(redis, prefix);
      await redisQueue.rebuild(db);
      const pgQueue = new PostgresQueue();
      for (const conc of CONCURRENCY) {
        // Baseline: the bare claim every queue-in-Postgres starts from.
        await reset(db, pgQueue);
        const base = await timeLoop(conc, async () =>
          db.transaction(async (tx) => {
            const r = await tx.query<{ id: number }>(
              // tasks.ready (migration 0013) is the predicate tasks_ready_order_idx is built on.
              `SELECT id FROM tasks WHERE ready
               ORDER BY critical_path_hours DESC, priority, ready_since, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            );
            if (!r.rows[0]) return false;
            await tx.query(`UPDATE tasks SET status = 'assigned', ready_since = NULL WHERE id = $1`, [r.rows[0].id]);
            return true;
          }),
        );
        rows.push([String(size), String(conc), 'baseline: bare SKIP LOCKED', base.perSec.toFixed(0), base.p50.toFixed(2), base.p99.toFixed(2)]);
        for (const [name, queue] of [
          ['engine, postgres ordering', pgQueue],
          ['engine, redis ordering', redisQueue],
        ] as const) {
          await reset(db, queue);
          const engine = new Engine({ db, queue, events });
          const agents = await Promise.all(Array.from({ length: conc }, (_, i) => engine.heartbeatAgent({ name: `bench-${conc}-${i}`, capacity: 1000 })));
          const r = await timeLoop(conc, async (w) => (await engine.claim(agents[w]!.id)) !== null);
          rows.push([String(size), String(conc), name, r.perSec.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2)]);
        }
      }
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.close();
  }
  const head = ['tasks', 'agents', 'claim path', 'claims/s', 'p50 ms', 'p99 ms'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  console.log(`\n${CLAIMS} claims per cell; PostgreSQL ${new URL(PG_URL).host}, Redis ${new URL(REDIS_URL).host}; machine: 2 cores, shared.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
