/**
 * `npm run bench:webhooks`: 1,000 signed deliveries across 4 installations, POSTed to the real
 * server's webhook route, processed by the real Probot app against a stand-in GitHub on loopback
 * (a node http server that counts and times every request). Needs PostgreSQL (DATABASE_URL).
 *
 * The burst: installation A gets 500 `/fleet` commands from an outsider (each costs GitHub
 * writes), all four installations get 499 events that need no write (check runs and suites,
 * workflow runs and jobs, reviews, PR pushes), and last a writer's command arrives in
 * installation B. Printed per configuration:
 * - ack p50/p99 of the POSTs;
 * - processing rate of the no-write events;
 * - write pacing in installation A (gaps between writes and between comments at the stand-in,
 *   beside the throttling plugin's own spacing: 1 s per write, 3 s per notifying write);
 * - how long the writer's command in B waited for its first write while A's queue was full.
 *
 * Rows: "lanes" is this code (lanes per installation and kind, limiters per installation);
 * "baseline" is the behaviour before it, measured in the same run: one FIFO queue drained by 4
 * workers, every event client on one shared throttling limiter.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import pino from 'pino';
import { Probot } from 'probot';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import type { FastifyInstance } from 'fastify';
import { startOrchestrator } from '../app/server.js';
import type { ApiDeps, RouteModule } from '../app/http/buildApi.js';
import type { Db } from '../app/store/db.js';
import { DeliveryProcessor } from '../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../app/github/ingest/webhookRoute.js';
import { createFleetProbot, fleetOctokitClass, githubBaseUrl } from '../app/github/ingest/probot.js';
import { fleetApp } from '../app/github/ingest/fleetApp.js';
import { createSqlPort } from '../app/github/sqlPort.js';
import { engineHooks } from '../app/github/engineHooks.js';
import { ConfigStore } from '../app/github/config.js';
import { PermissionCache } from '../app/github/commands/permissions.js';

const SECRET = 'bench-webhooks-secret';
const OWNER = 'bench-org';
const WINDOW_MS = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';
const NO_WRITE_EVENTS = ['check_run', 'check_suite', 'workflow_run', 'workflow_job', 'pull_request_review', 'pull_request'];

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples/api.github.com/index.json') as { name: string; examples: Record<string, unknown>[] }[];
function example(name: string, action: string): Record<string, unknown> {
  const ex = examples.find((e) => e.name === name)?.examples.find((x) => x.action === action);
  if (!ex) throw new Error(`no example ${name}.${action}`);
  return structuredClone(ex);
}

interface Hit {
  t: number;
  method: string;
  path: string;
  repo: string | null;
}

/** A stand-in GitHub: token exchange, no fleet.yml, permissions by login, reactions and comments. */
async function standIn() {
  const hits: Hit[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const p = (req.url ?? '').split('?')[0]!.replace(/^\/api\/v3/, '');
      const method = req.method ?? '';
      const repo = /^\/repos\/[^/]+\/([^/]+)/.exec(p)?.[1] ?? null;
      hits.push({ t: performance.now(), method, path: p, repo });
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(p)) return send(201, { token: `ghs_${randomBytes(8).toString('hex')}`, expires_at: '2999-01-01T00:00:00Z', permissions: {} });
      const perm = /^\/repos\/[^/]+\/[^/]+\/collaborators\/([^/]+)\/permission$/.exec(p);
      if (method === 'GET' && perm) {
        const level = perm[1]!.startsWith('writer') ? 'write' : 'read';
        return send(200, { permission: level, role_name: level, user: { login: perm[1] } });
      }
      if (method === 'POST' && /\/issues\/(comments\/)?\d+\/reactions$/.test(p)) return send(201, { id: hits.length, content: '+1' });
      if (method === 'POST' && /\/issues\/\d+\/comments$/.test(p)) return send(201, { id: hits.length });
      return send(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    hits,
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The processor as it was before lanes: FIFO claims, 4 workers, 120 s claims. */
class FifoProcessor {
  private stopped = false;
  private running: Promise<void> | null = null;
  constructor(private readonly db: Db, private readonly probot: { receive(e: EmitterWebhookEvent): Promise<void> }) {}
  kick() {
    if (this.stopped || this.running) return;
    this.running = Promise.all(Array.from({ length: 4 }, () => this.work())).then(() => {
      this.running = null;
    });
  }
  private async work() {
    while (!this.stopped) {
      const { rows } = await this.db.query<{ delivery_id: string; event: string; payload: unknown }>(
        `UPDATE webhook_deliveries SET attempts = attempts + 1, claimed_until = now() + interval '120 seconds', claimed_by = 'fifo'
         WHERE delivery_id = (SELECT delivery_id FROM webhook_deliveries WHERE processed_at IS NULL AND attempts < 5
           AND (claimed_until IS NULL OR claimed_until <= now()) ORDER BY received_at, delivery_id LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING delivery_id, event, payload`,
      );
      const row = rows[0];
      if (!row) return;
      try {
        await this.probot.receive({ id: row.delivery_id, name: row.event, payload: row.payload } as EmitterWebhookEvent);
        await this.db.query('UPDATE webhook_deliveries SET processed_at = now(), claimed_until = NULL WHERE delivery_id = $1', [row.delivery_id]);
      } catch (err) {
        await this.db.query('UPDATE webhook_deliveries SET error = $2, claimed_until = NULL WHERE delivery_id = $1', [row.delivery_id, String(err)]);
      }
    }
  }
  async stop() {
    this.stopped = true;
    await this.running;
  }
}

type Mode = 'lanes' | 'baseline';

/** The webhook route on the real server, with the real app behind it. */
/** With `held`, deliveries are only stored until `held.start()`: the drain phase times the processor alone. */
function routes(mode: Mode, ghHost: string, key: string, held?: { start?: () => void }): RouteModule {
  return async (app: FastifyInstance, deps: ApiDeps) => {
    const log = pino({ level: 'silent' });
    const env = { GHE_HOST: ghHost, GHE_PROTOCOL: 'http' };
    const probot =
      mode === 'lanes'
        ? createFleetProbot({ appId: 1, privateKey: key, secret: SECRET, env, log })
        : new Probot({
            appId: 1,
            privateKey: key,
            secret: SECRET,
            baseUrl: githubBaseUrl(env),
            log,
            // Every client on the plugin's default limiter id, as event clients were before.
            Octokit: fleetOctokitClass().defaults((o: Record<string, unknown>) => ({ ...o, throttle: { ...(o.throttle as object), id: 'no-id' } })) as ReturnType<typeof fleetOctokitClass>,
          });
    await probot.load(
      fleetApp({ port: createSqlPort(deps.db, { engine: engineHooks(deps.engine) }), configs: new ConfigStore(), permissions: new PermissionCache(), orchestratorUrl: 'http://127.0.0.1' }),
    );
    const processor = mode === 'lanes' ? new DeliveryProcessor({ db: deps.db, probot, log, pollMs: 500 }) : new FifoProcessor(deps.db, probot);
    const route = webhookRoute({ db: deps.db, secret: SECRET, ...(held ? {} : { processor }) });
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 25 * 1024 * 1024 }, (_req, body, done) => done(null, body));
      scope.post('/api/github/webhooks', async (req, reply) => {
        const answer = await route(req.body as Buffer | undefined, req.headers);
        return reply.code(answer.status).send(answer.body);
      });
    });
    const start = () => (processor instanceof DeliveryProcessor ? void processor.start() : processor.kick());
    if (held) held.start = start;
    else if (processor instanceof DeliveryProcessor) void processor.start();
    app.addHook('onClose', async () => processor.stop());
  };
}

interface Delivery {
  id: string;
  name: string;
  body: string;
  installation: number;
  writer?: boolean;
}

function burst(insts: number[]): Delivery[] {
  const out: Delivery[] = [];
  const repoOf = (inst: number) => `repo-${inst}`;
  const dress = (p: Record<string, unknown>, inst: number) => {
    p.installation = { id: inst };
    const r = p.repository as { name: string; full_name: string; owner: { login: string } };
    r.name = repoOf(inst);
    r.full_name = `${OWNER}/${repoOf(inst)}`;
    r.owner.login = OWNER;
    return p;
  };
  const comment = (inst: number, n: number, login: string, body: string) => {
    const p = dress(example('issue_comment', 'created'), inst);
    (p.issue as { number: number }).number = n;
    const c = p.comment as { id: number; body: string; user: { login: string; type: string } };
    c.id = inst * 1_000_000 + n;
    c.body = body;
    c.user.login = login;
    c.user.type = 'User';
    return p;
  };
  const [a, b] = insts as [number, number];
  for (let n = 1; n <= 500; n++) out.push({ id: `bw-${a}-out-${n}`, name: 'issue_comment', body: JSON.stringify(comment(a, n, 'outsider', '/fleet priority 1')), installation: a });
  const sources: [string, string][] = [
    ['check_run', 'completed'],
    ['check_suite', 'completed'],
    ['workflow_run', 'completed'],
    ['workflow_job', 'completed'],
    ['pull_request_review', 'submitted'],
    ['pull_request', 'synchronize'],
  ];
  for (let n = 0; n < 499; n++) {
    const inst = insts[n % insts.length]!;
    const [name, action] = sources[n % sources.length]!;
    const p = dress(example(name, action), inst);
    p.bench_seq = n; // distinct bodies: the same body twice would be a replay
    out.push({ id: `bw-${inst}-nw-${n}`, name, body: JSON.stringify(p), installation: inst });
  }
  out.push({ id: `bw-${b}-writer`, name: 'issue_comment', body: JSON.stringify(comment(b, 777, 'writer-1', '/fleet help')), installation: b, writer: true });
  return out;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const median = (xs: number[]) => pct(xs, 50);
const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);

/**
 * `live`: deliveries are processed while they arrive, so the no-write rate can be no faster than
 * the bench sends them. `drain`: the whole burst is stored first, then the processor starts, and
 * the no-write rate is the processor's own (with 500 outsider commands in the same queue).
 */
async function run(mode: Mode, insts: number[], key: string, phase: 'live' | 'drain' = 'live') {
  const gh = await standIn();
  const held: { start?: () => void } | undefined = phase === 'drain' ? {} : undefined;
  const signer = new Webhooks({ secret: SECRET });
  const schema = `bench_webhooks_${mode}_${randomBytes(3).toString('hex')}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fleet-bench-'));
  const o = await startOrchestrator({
    env: { HOST: '127.0.0.1', PORT: '0', DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema, FLEET_ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`, FLEET_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
    log: pino({ level: 'silent' }),
    periodic: false,
    routes: [routes(mode, gh.host, key, held)],
  });
  try {
    const deliveries = burst(insts);
    const signed = await Promise.all(deliveries.map(async (d) => ({ ...d, sig: await signer.sign(d.body) })));
    const acks: number[] = [];
    let writerAckAt = NaN;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < signed.length) {
          const d = signed[next++]!;
          // The writer's command goes last, once A's outsider comments are all queued.
          if (d.writer) while (acks.length < signed.length - 1) await new Promise((r) => setTimeout(r, 5));
          const s = performance.now();
          const res = await fetch(`${o.url}/api/github/webhooks`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-github-delivery': d.id, 'x-github-event': d.name, 'x-hub-signature-256': d.sig },
            body: d.body,
          });
          await res.arrayBuffer();
          if (res.status !== 202) throw new Error(`${d.id}: ${res.status}`);
          const e = performance.now();
          acks.push(e - s);
          if (d.writer) writerAckAt = e;
        }
      }),
    );
    const sentAt = performance.now();
    // The drain phase times from the processor's start, not from the first POST.
    const started = held ? (held.start!(), performance.now()) : t0;
    const writerIssue = `/issues/comments/${insts[1]! * 1_000_000 + 777}/reactions`;
    const noWrite = deliveries.filter((d) => NO_WRITE_EVENTS.includes(d.name)).length;
    let noWriteDoneAt = NaN;
    let writerWriteAt = NaN;
    const countNoWrite = async () =>
      Number(
        (await o.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE event = ANY($1::text[]) AND processed_at IS NOT NULL`, [NO_WRITE_EVENTS]))
          .rows[0]!.n,
      );
    while (performance.now() - sentAt < WINDOW_MS) {
      if (Number.isNaN(noWriteDoneAt) && (await countNoWrite()) === noWrite) noWriteDoneAt = performance.now();
      const w = gh.hits.find((h) => h.method === 'POST' && h.path.endsWith(writerIssue));
      if (w && Number.isNaN(writerWriteAt)) writerWriteAt = w.t;
      if (!Number.isNaN(noWriteDoneAt) && !Number.isNaN(writerWriteAt) && performance.now() - sentAt > 10_000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const doneNoWrite = await countNoWrite();
    const errors = await o.db.query<{ event: string; error: string; n: number }>(
      'SELECT event, left(error, 160) AS error, count(*)::int AS n FROM webhook_deliveries WHERE error IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5',
    );
    for (const e of errors.rows) console.error(`${mode}: ${e.n} x ${e.event} failed: ${e.error}`);
    if (process.env.BENCH_DEBUG) {
      const byRoute = new Map<string, number>();
      for (const h of gh.hits) {
        const k = `${h.method} ${h.path.replace(/\d+/g, 'N').replace(/repo-N/, 'R')}`;
        byRoute.set(k, (byRoute.get(k) ?? 0) + 1);
      }
      console.error(mode, [...byRoute].sort((a, b) => b[1] - a[1]).slice(0, 12));
    }
    const elapsed = ((Number.isNaN(noWriteDoneAt) ? performance.now() : noWriteDoneAt) - started) / 1000;
    const aRepo = `repo-${insts[0]}`;
    const aWrites = gh.hits.filter((h) => h.repo === aRepo && h.method !== 'GET').map((h) => h.t);
    const aComments = gh.hits.filter((h) => h.repo === aRepo && h.method === 'POST' && /\/issues\/\d+\/comments$/.test(h.path)).map((h) => h.t);
    return {
      mode: `${mode} (${phase})`,
      ackP50: pct(acks, 50),
      ackP99: pct(acks, 99),
      noWrite: `${doneNoWrite}/${noWrite}`,
      noWriteRate: doneNoWrite / elapsed,
      aWrites: aWrites.length,
      writeGap: median(gaps(aWrites)),
      writeGapMin: Math.min(...gaps(aWrites)),
      commentGap: median(gaps(aComments)),
      commentGapMin: Math.min(...gaps(aComments)),
      writerDelay: Number.isNaN(writerWriteAt) ? null : (writerWriteAt - writerAckAt) / 1000,
      window: WINDOW_MS / 1000,
    };
  } finally {
    await o.close();
    await gh.close();
    const cleanup = await import('pg');
    const c = new cleanup.default.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await c.end();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
  const rows = [
    await run('lanes', [1, 2, 3, 4], key),
    await run('baseline', [11, 12, 13, 14], key),
    await run('lanes', [21, 22, 23, 24], key, 'drain'),
    await run('baseline', [31, 32, 33, 34], key, 'drain'),
  ];
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  console.log(`\n1,000 signed deliveries, 4 installations (A: 500 outsider commands; 499 no-write events across all; then a writer's command in B)`);
  console.log(`window after the last ack: up to ${WINDOW_MS / 1000} s`);
  console.log('live: processed while arriving (no-write /s counted from the first POST, so bounded by the sender);');
  console.log('drain: the burst stored first, then the processor started (no-write /s counted from its start)\n');
  const head = ['config', 'ack p50 ms', 'ack p99 ms', 'no-write done', 'no-write /s', 'A writes', 'A write gap med/min ms', 'A comment gap med/min ms', "B writer's delay s"];
  const table = rows.map((r) => [
    r.mode,
    f(r.ackP50, 1),
    f(r.ackP99, 1),
    r.noWrite,
    f(r.noWriteRate, 0),
    String(r.aWrites),
    `${f(r.writeGap)}/${f(r.writeGapMin)}`,
    `${f(r.commentGap)}/${f(r.commentGapMin)}`,
    r.writerDelay === null ? `> ${r.window} (not reached)` : f(r.writerDelay, 2),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  line(head);
  line(w.map((n) => '-'.repeat(n)));
  for (const row of table) line(row);
  console.log(`\nthrottling plugin's own spacing per limiter: 1000 ms between writes, 3000 ms between notifying writes (comments)`);
  console.log('targets: no-write >= 200/s; write pacing equal to the plugin (no stricter); writer in B <= 5 s');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
