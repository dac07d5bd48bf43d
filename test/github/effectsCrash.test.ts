import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhooks } from '@octokit/webhooks';
import { freshDb, PG_URL, type TestDb } from '../support/db.js';
import { startStandInGitHub, type StandInGitHub, type StandInRequest } from '../support/standInGitHub.js';

/**
 * Issue 10, "no repeated effects": an orchestrator process is killed with SIGKILL in the middle of
 * a burst of webhook deliveries — at the moment GitHub has taken a workflow_dispatch whose answer
 * the process never sees — and a second process finishes the work. Every acknowledged delivery is
 * processed, and no GitHub write (reaction, comment, label, workflow_dispatch) happens twice.
 */

const OWNER = 'octo-org';
const REPO = 'effects';
const SECRET = 'effects-crash-secret';
const ISSUES = 40;
const MIXED = 120;
const signer = new Webhooks({ secret: SECRET });
const repository = { id: 77, name: REPO, full_name: `${OWNER}/${REPO}`, owner: { login: OWNER, type: 'Organization' }, default_branch: 'main' };
const installation = { id: 1 };

let t: TestDb;
let gh: StandInGitHub;
const children: ChildProcess[] = [];
let onWrite: ((r: StandInRequest) => Promise<void>) | undefined;

beforeAll(async () => {
  t = await freshDb('gh_effects_crash', { backend: 'postgres' });
  gh = await startStandInGitHub({
    roles: { octocat: 'write' },
    files: { '.github/fleet.yml': 'pools:\n  - name: default\n    capacity: 500\n' },
    onRequest: async (r) => {
      if (r.method !== 'GET') await onWrite?.(r);
    },
  });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await gh?.close();
  await t?.cleanup();
});

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

/** Starts one orchestrator process (test/support/webhookWorker.ts) and resolves with its webhook URL. */
async function startWorker(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/webhookWorker.ts'], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: PG_URL,
      FLEET_TEST_SCHEMA: t.schema,
      GHE_HOST: gh.host,
      GHE_PROTOCOL: 'http',
      APP_ID: '4242',
      PRIVATE_KEY: privateKey,
      WEBHOOK_SECRET: SECRET,
      // A dead process's lanes are taken over once their 8 s lease lapses; a live one renews it.
      FLEET_CLAIM_TTL_MS: '8000',
      LOG_LEVEL: (process.env.WORKER_LOG_LEVEL ?? 'fatal') as 'fatal',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before listening`)));
  });
  return { child, url: `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/api/github/webhooks` };
}

interface Delivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

function burst(): Delivery[] {
  const out: Delivery[] = [];
  const task = (n: number, extra: Record<string, unknown> = {}) => ({
    number: n,
    node_id: `I_${n}`,
    title: `Task ${n}`,
    // Every fifth task names a dependency that is no fleet task: the app says so in a comment.
    body: n % 5 === 0 ? 'Depends on: #9999' : 'Estimate: 2h',
    state: 'open',
    labels: [{ name: 'fleet:task' }],
    ...extra,
  });
  const base = { repository, installation };
  for (let n = 1; n <= ISSUES; n++) {
    out.push({ id: `open-${n}`, name: 'issues', payload: { ...base, action: 'opened', issue: task(n), sender: { login: 'octocat', type: 'User' } } });
  }
  for (let j = 0; j < MIXED; j++) {
    const n = (j % ISSUES) + 1;
    const comment = (login: string, body: string) => ({
      ...base,
      action: 'created',
      issue: { number: n, state: 'open' },
      comment: { id: 50_000 + j, body, user: { login, type: 'User' } },
      sender: { login, type: 'User' },
    });
    switch (j % 4) {
      case 0:
        out.push({ id: `status-${j}`, name: 'issue_comment', payload: comment('octocat', '/fleet status') });
        break;
      case 1:
        out.push({ id: `stranger-${j}`, name: 'issue_comment', payload: comment(`stranger${n % 2}`, '/fleet cancel') });
        break;
      case 2:
        out.push({ id: `priority-${j}`, name: 'issue_comment', payload: comment('octocat', '/fleet priority p1') });
        break;
      default: {
        const labels = [{ name: 'fleet:task' }, { name: 'fleet:priority/p0' }];
        out.push({
          id: `label-${j}`,
          name: 'issues',
          // GitHub stamps each change: two labelings of one issue never have the same body (the
          // same body under a new delivery id is a replay, which the orchestrator refuses to run twice).
          payload: {
            ...base,
            action: 'labeled',
            issue: task(n, { labels, body: 'Estimate: 2h', updated_at: new Date(Date.UTC(2026, 0, 1, 0, 0, j)).toISOString() }),
            label: { name: 'fleet:priority/p0' },
            sender: { login: 'octocat', type: 'User' },
          },
        });
      }
    }
  }
  return out;
}

/** Posts one signed delivery; true when the orchestrator acknowledged it (202). */
async function post(url: string, d: Delivery): Promise<boolean> {
  const raw = JSON.stringify(d.payload);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-delivery': d.id, 'x-github-event': d.name, 'x-hub-signature-256': await signer.sign(raw) },
      body: raw,
    });
    await res.arrayBuffer();
    return res.status === 202;
  } catch {
    return false; // the process is gone: GitHub keeps the delivery for a redelivery
  }
}

async function pollUntil<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 90_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const countBy = <T>(xs: T[], key: (x: T) => string) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};

describe('kill -9 during a burst of webhook deliveries', () => {
  it('processes every acknowledged delivery and repeats no GitHub write', { timeout: 180_000 }, async () => {
    const deliveries = burst();
    // Each kill: a write reaches GitHub and the process dies before it sees the answer. First a
    // workflow_dispatch after 40 writes, then (in the next process) a reaction 30 writes later.
    const triggers: ((r: StandInRequest) => boolean)[] = [
      (r) => r.path.endsWith('/dispatches') && gh.writes().length >= 40,
      (r) => r.path.endsWith('/reactions') && gh.writes().length >= kills[0]!.writes + 30,
    ];
    const kills: { writes: number; unprocessed: number }[] = [];
    let worker = await startWorker();
    onWrite = async (r) => {
      const trigger = triggers[kills.length];
      if (!trigger?.(r)) return;
      const dying = worker;
      kills.push({ writes: gh.writes().length, unprocessed: -1 });
      dying.child.kill('SIGKILL');
      await new Promise((resolve) => (dying.child.exitCode !== null || dying.child.signalCode !== null ? resolve(null) : dying.child.once('exit', resolve)));
      kills.at(-1)!.unprocessed = Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE processed_at IS NULL')).rows[0]!.n);
    };

    const acked = new Set<string>();
    let pending = deliveries;
    const ackedBeforeFirstKill: number[] = [];
    for (let phase = 0; phase <= triggers.length; phase++) {
      if (phase > 0) worker = await startWorker(); // takes over; GitHub redelivers what was never acknowledged
      const left: Delivery[] = [];
      for (const d of pending) {
        if (kills.length === phase && (await post(worker.url, d))) acked.add(d.id);
        else left.push(d);
      }
      pending = left;
      if (phase === 0) ackedBeforeFirstKill.push(acked.size);
      if (phase < triggers.length) {
        await pollUntil(`kill ${phase + 1}`, async () => (kills.length > phase && kills[phase]!.unprocessed >= 0 ? true : undefined));
        // Mid-burst: acknowledged deliveries were still waiting when the process died.
        expect(kills[phase]!.unprocessed).toBeGreaterThan(0);
      }
    }
    expect(acked.size).toBe(deliveries.length);
    const lastStarted = Date.now();
    await pollUntil('every acknowledged delivery to be processed', async () => {
      const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE processed_at IS NOT NULL AND delivery_id = ANY($1)', [[...acked]]);
      return rows[0]!.n === acked.size ? true : undefined;
    });
    worker.child.kill('SIGKILL');
    const { rows: att } = await t.db.query<{ retried: number }>('SELECT count(*) FILTER (WHERE attempts > 1)::int AS retried FROM webhook_deliveries');
    console.log(
      `effects crash: ${deliveries.length} deliveries, ${ackedBeforeFirstKill[0]} acknowledged before the first kill; kills at writes ${kills.map((k) => `${k.writes} (${k.unprocessed} unprocessed)`).join(', ')}; ` +
        `${att[0]!.retried} run more than once, ${gh.writes().length} GitHub writes; last process done in ${Date.now() - lastStarted} ms`,
    );

    const writes = gh.writes();
    // Every write was made for a delivery, and no write of a delivery was made twice.
    expect(writes.filter((w) => !w.delivery)).toEqual([]);
    const repeated = [...countBy(writes, (w) => JSON.stringify([w.delivery, w.method, w.path, w.body]))].filter(([, n]) => n > 1);
    expect(repeated).toEqual([]);

    // workflow_dispatch: every task once, at epoch 1 (a re-run reuses its claim, never claims again).
    const dispatches = writes.filter((w) => w.path.endsWith('/actions/workflows/fleet-agent.yml/dispatches'));
    const inputs = dispatches.map((w) => (w.body as { inputs: { task: string; epoch: string } }).inputs);
    expect(inputs.map((i) => i.task).sort()).toEqual(Array.from({ length: ISSUES }, (_, k) => `i${k + 1}`).sort());
    expect(new Set(inputs.map((i) => i.epoch))).toEqual(new Set(['1']));
    const { rows: epochs } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM assignments`);
    expect(epochs[0]!.n).toBe(ISSUES);

    // Reactions: one per command comment. Labels: the pool label once per task.
    const reactions = writes.filter((w) => /\/issues\/comments\/\d+\/reactions$/.test(w.path));
    const commentDeliveries = deliveries.filter((d) => d.name === 'issue_comment').length;
    expect(countBy(reactions, (w) => w.path).size).toBe(commentDeliveries);
    expect(reactions).toHaveLength(commentDeliveries);
    const labels = writes.filter((w) => /\/issues\/\d+\/labels$/.test(w.path));
    expect(labels).toHaveLength(ISSUES);
    expect(new Set(labels.map((w) => w.path)).size).toBe(ISSUES);

    // Comments: one status reply per /fleet status, one note per unknown dependency, and at most one
    // explanation per stranger and issue.
    const comments = writes.filter((w) => /\/issues\/\d+\/comments$/.test(w.path)).map((w) => ({ path: w.path, body: String((w.body as { body: string }).body) }));
    const statusReplies = comments.filter((c) => c.body.startsWith('**Task '));
    expect(statusReplies).toHaveLength(deliveries.filter((d) => d.id.startsWith('status-')).length);
    expect(comments.filter((c) => c.body.includes('is not a fleet task'))).toHaveLength(ISSUES / 5);
    const explanations = comments.filter((c) => c.body.includes('fleet commands need'));
    const strangerPairs = new Set(deliveries.filter((d) => d.id.startsWith('stranger-')).map((d) => `${(d.payload.issue as { number: number }).number}/${(d.payload.comment as { user: { login: string } }).user.login}`));
    expect(explanations).toHaveLength(strangerPairs.size);
    expect(countBy(explanations, (c) => `${c.path} ${c.body.split(' ')[0]}`).size).toBe(strangerPairs.size);
  });
});
