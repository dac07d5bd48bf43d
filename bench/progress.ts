/**
 * npm run bench:progress — latency of the progress API over a real server and real PostgreSQL, for
 * a small plan (1k tasks, 10k evidence rows) and a large one (100k tasks, 1M evidence rows) side by
 * side: p50/p95 of GET /api/progress/summary (and the other read endpoints), plus the cost a naive
 * summary would pay (a GROUP BY over every task) as the baseline the incremental tallies avoid.
 * Sizes: BENCH_SIZES=1000:10000,100000:1000000 (tasks:evidence); requests per cell: BENCH_REQUESTS=200.
 * Prints a table; asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startOrchestrator, type Orchestrator } from '../app/server.js';
import { progressRoutes } from '../app/http/routes/progress.js';
import { gitRoutes } from '../app/http/routes/git.js';
import { compactRollup } from '../app/progress/store.js';

const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const SIZES = (process.env.BENCH_SIZES ?? '1000:10000,100000:1000000').split(',').map((s) => s.split(':').map(Number) as [number, number]);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const EPICS = 20;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');

async function seed(o: Orchestrator, tasks: number, evidence: number): Promise<{ projectId: number; seedMs: number }> {
  const t0 = performance.now();
  const db = o.db;
  const { rows } = await db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('bench', $1) RETURNING id`, [`progress-${tasks}`]);
  const pid = rows[0]!.id;
  await db.query(
    `INSERT INTO epics (project_id, key, title) SELECT $1, g::text, 'Epic ' || g FROM generate_series(1, $2) g`,
    [pid, EPICS],
  );
  for (let i = 0; i < tasks; i += 50_000) {
    const m = Math.min(50_000, tasks - i);
    await db.query(
      `INSERT INTO tasks (project_id, epic_id, key, title, estimated_hours, priority, critical_path_hours)
       SELECT $1, e.id, e.key || '.' || g, 'task ' || g, 1 + g % 16, g % 4, (($4::int - g) % 5000) + 1
       FROM generate_series($2::int, $3::int) g JOIN epics e ON e.project_id = $1 AND e.key = (1 + g % ${EPICS})::text`,
      [pid, i + 1, i + m, tasks],
    );
  }
  // A chain inside each epic every third task, and epic e+1 opening at 50% of epic e.
  await db.query(
    `INSERT INTO dependencies (project_id, task_id, depends_on_task_id)
     SELECT $1, t.id, d.id FROM tasks t JOIN tasks d ON d.project_id = t.project_id AND d.epic_id = t.epic_id AND d.id = t.id - ${EPICS}
     WHERE t.project_id = $1 AND t.id % 3 = 0`,
    [pid],
  );
  await db.query(
    `INSERT INTO dependencies (project_id, epic_id, depends_on_epic_id, threshold_percent)
     SELECT $1, b.id, a.id, 50 FROM epics a JOIN epics b ON b.project_id = a.project_id AND b.key::int = a.key::int + 1 WHERE a.project_id = $1`,
    [pid],
  );
  // A third done, a few in flight, some in review (with PRs), a few failed or cancelled.
  await db.query(`UPDATE tasks SET status = 'done', completed_at = now() - (id % 30) * interval '1 day' WHERE project_id = $1 AND id % 3 = 1`, [pid]);
  await db.query(`UPDATE tasks SET status = 'in_review', pr_number = id, branch = 'fleet/' || key WHERE project_id = $1 AND status = 'pending' AND id % 500 = 2`, [pid]);
  await db.query(`UPDATE tasks SET status = 'cancelled' WHERE project_id = $1 AND status = 'pending' AND id % 200 = 5`, [pid]);
  await db.query(`UPDATE tasks SET status = 'failed' WHERE project_id = $1 AND status = 'pending' AND id % 300 = 8`, [pid]);
  for (let i = 0; i < 10; i++) await o.engine.heartbeatAgent({ name: `bench-agent-${tasks}-${i}`, capacity: 2 });
  for (let i = 0; i < evidence; i += 200_000) {
    const m = Math.min(200_000, evidence - i);
    await db.query(
      `INSERT INTO evidence (project_id, task_id, type, ref, url, source, metadata, created_at)
       SELECT $1, t0.min + (g::bigint * 7919) % t0.n, (ARRAY['commit','check','review','pr','note'])[1 + g % 5], md5(g::text),
              'https://github.com/bench/progress/commit/' || md5(g::text), 'webhook',
              jsonb_build_object('kind', 'check_run', 'name', 'ci', 'conclusion', 'success', 'state', 'approved', 'reviewer', 'r' || g % 7),
              now() - (g % 100000) * interval '1 minute'
       FROM generate_series($2::int, $3::int) g, (SELECT min(id) AS min, count(*) AS n FROM tasks WHERE project_id = $1) t0`,
      [pid, i + 1, i + m],
    );
  }
  // 30 days of snapshots every 6 hours, done hours rising.
  await db.query(
    `INSERT INTO progress_snapshots (project_id, taken_at, tasks_total, tasks_done, hours_total, hours_done, active_agents)
     SELECT $1, now() - g * interval '6 hours', $2, 0, 0, GREATEST(0, 1000 - g * 8), 10 FROM generate_series(1, 120) g`,
    [pid, tasks],
  );
  await compactRollup(db);
  await db.query('ANALYZE');
  return { projectId: pid, seedMs: performance.now() - t0 };
}

async function time(url: string, token: string, n: number): Promise<{ p50: number; p95: number; first: number }> {
  const lat: number[] = [];
  const warm = Math.min(50, Math.floor(n / 4));
  for (let i = 0; i < n + warm; i++) {
    const t0 = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
    lat.push(performance.now() - t0);
  }
  // The first `warm` requests (connection set-up, plan caches) are reported as "first" only.
  const steady = lat.slice(warm);
  return { p50: pct(steady, 50), p95: pct(steady, 95), first: lat[0]! };
}

async function timeSql(o: Orchestrator, sql: string, params: unknown[], n: number): Promise<{ p50: number; p95: number; first: number }> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await o.db.query(sql, params);
    lat.push(performance.now() - t0);
  }
  return { p50: pct(lat, 50), p95: pct(lat, 95), first: lat[0]! };
}

interface Cell {
  label: string;
  r: { p50: number; p95: number; first: number };
}

async function run(tasks: number, evidence: number): Promise<{ cells: Cell[]; seedMs: number }> {
  const schema = `bench_progress_${tasks}_${randomBytes(3).toString('hex')}`;
  const o = await startOrchestrator({
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      FLEET_ADMIN_TOKEN: `bench-${randomBytes(12).toString('hex')}`,
      FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'fleet-bench-')),
      LOG_LEVEL: 'silent',
    },
    log: pino({ level: 'silent' }),
    periodic: false,
    routes: [progressRoutes, gitRoutes],
  });
  try {
    const { projectId, seedMs } = await seed(o, tasks, evidence);
    const { rows } = await o.db.query<{ id: number }>(`SELECT id FROM tasks WHERE project_id = $1 AND status = 'in_review' LIMIT 1`, [projectId]);
    const taskId = rows[0]!.id;
    const u = (p: string) => o.url + p;
    const cells: Cell[] = [];
    // The first call pays for the simulation (cached afterwards until the work changes).
    cells.push({ label: 'GET /api/progress/summary', r: await time(u('/api/progress/summary?project=bench/progress-' + tasks), o.adminToken, REQUESTS) });
    cells.push({ label: 'GET /api/progress/summary (all projects)', r: await time(u('/api/progress/summary'), o.adminToken, REQUESTS) });
    // Work changing between requests: each request sees new deltas (and re-simulates in the background at this size).
    {
      const lat: number[] = [];
      for (let i = 0; i < Math.min(REQUESTS, 100); i++) {
        await o.db.query(`UPDATE tasks SET status = CASE WHEN status = 'pending' THEN 'done' ELSE 'pending' END WHERE id = (SELECT id FROM tasks WHERE project_id = $1 AND status IN ('pending','done') ORDER BY id OFFSET $2 LIMIT 1)`, [projectId, i * 7]);
        const t0 = performance.now();
        const res = await fetch(u('/api/progress/summary?project=bench/progress-' + tasks), { headers: { authorization: `Bearer ${o.adminToken}` } });
        await res.arrayBuffer();
        lat.push(performance.now() - t0);
      }
      cells.push({ label: 'summary while tasks change', r: { p50: pct(lat, 50), p95: pct(lat, 95), first: lat[0]! } });
    }
    cells.push({ label: 'GET /api/progress/agents', r: await time(u('/api/progress/agents'), o.adminToken, Math.min(REQUESTS, 100)) });
    cells.push({ label: 'GET /api/git/merge-queue', r: await time(u('/api/git/merge-queue'), o.adminToken, Math.min(REQUESTS, 50)) });
    cells.push({ label: 'GET /api/git/evidence/:task_id', r: await time(u(`/api/git/evidence/${taskId}`), o.adminToken, REQUESTS) });
    cells.push({ label: 'GET /api/git/evidence (feed)', r: await time(u('/api/git/evidence?limit=30'), o.adminToken, REQUESTS) });
    cells.push({
      label: 'baseline: GROUP BY over all tasks (SQL)',
      r: await timeSql(
        o,
        `SELECT epic_id, status, count(*), sum(estimated_hours) FROM tasks WHERE project_id = $1 GROUP BY epic_id, status`,
        [projectId],
        Math.min(REQUESTS, 50),
      ),
    });
    return { cells, seedMs };
  } finally {
    await o.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await o.close();
  }
}

async function main(): Promise<void> {
  const results: { tasks: number; evidence: number; cells: Cell[]; seedMs: number }[] = [];
  for (const [tasks, evidence] of SIZES) {
    process.stderr.write(`seeding ${tasks} tasks, ${evidence} evidence rows...\n`);
    results.push({ tasks, evidence, ...(await run(tasks, evidence)) });
  }
  const head = ['endpoint (ms)', ...results.flatMap((r) => [`${r.tasks / 1000}k p50`, `${r.tasks / 1000}k p95`, `${r.tasks / 1000}k first`])];
  if (results.length >= 2) head.push('p50 ratio');
  const rows = results[0]!.cells.map((c, i) => {
    const row = [c.label, ...results.flatMap((r) => [ms(r.cells[i]!.r.p50), ms(r.cells[i]!.r.p95), ms(r.cells[i]!.r.first)])];
    if (results.length >= 2) row.push(`${(results[results.length - 1]!.cells[i]!.r.p50 / results[0]!.cells[i]!.r.p50).toFixed(1)}x`);
    return row;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(`\nprogress API on PostgreSQL (${EPICS} epics; ${REQUESTS} sequential requests per cell; "first" includes the cold simulation)`);
  console.log(results.map((r) => `${r.tasks} tasks / ${r.evidence} evidence rows: seeded in ${(r.seedMs / 1000).toFixed(1)} s`).join('; '));
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
