import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import { freshDb, type TestDb } from '../support/db.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';
import { example } from './helpers.js';

const SECRET = 'test-secret';
const signer = new Webhooks({ secret: SECRET });

let t: TestDb;
beforeAll(async () => {
  t = await freshDb('gh_deliveries');
});
afterAll(async () => {
  await t?.cleanup();
});
beforeEach(async () => {
  await t.db.query('DELETE FROM webhook_deliveries');
});

async function signed(id: string, name: string, payload: unknown) {
  const raw = Buffer.from(JSON.stringify(payload));
  const sig = await signer.sign(raw.toString('utf8'));
  return { raw, headers: { 'x-github-delivery': id, 'x-github-event': name, 'x-hub-signature-256': sig, 'content-type': 'application/json' } };
}

function recorder() {
  const seen: EmitterWebhookEvent[] = [];
  return {
    seen,
    async receive(e: EmitterWebhookEvent) {
      await new Promise((r) => setTimeout(r, 20));
      seen.push(e);
    },
  };
}

const count = async () => Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries')).rows[0]!.n);

describe('signed webhook deliveries', () => {
  it('stores a correctly signed delivery and answers 202', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    const { raw, headers } = await signed('d-1', 'issues', example('issues', 'opened'));
    const res = await route(raw, headers);
    expect(res).toEqual({ status: 202, body: { delivery: 'd-1', stored: true } });
    const { rows } = await t.db.query<{ event: string; action: string; installation_id: number; processed_at: Date | null }>(
      'SELECT event, action, installation_id, processed_at FROM webhook_deliveries',
    );
    expect(rows).toEqual([{ event: 'issues', action: 'opened', installation_id: 1, processed_at: null }]);
  });

  it('refuses a wrongly signed delivery with 401 and writes nothing', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    const { raw, headers } = await signed('d-2', 'issues', example('issues', 'opened'));
    const forged = Buffer.from(raw.toString('utf8').replace('"opened"', '"closed"'));
    expect((await route(forged, headers)).status).toBe(401);
    expect((await route(raw, { ...headers, 'x-hub-signature-256': 'sha256=' + '0'.repeat(64) })).status).toBe(401);
    expect((await route(raw, { ...headers, 'x-hub-signature-256': '' })).status).toBe(401);
    expect((await webhookRoute({ db: t.db, secret: 'other' })(raw, headers)).status).toBe(401);
    expect(await count()).toBe(0);
  });

  it('answers 400 for missing headers and bodies that are not JSON objects', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    const { raw, headers } = await signed('d-3', 'issues', {});
    expect((await route(raw, { ...headers, 'x-github-delivery': undefined })).status).toBe(400);
    expect((await route(raw, { ...headers, 'x-github-event': '' })).status).toBe(400);
    const bad = 'not json {';
    const badSig = await signer.sign(bad);
    expect((await route(Buffer.from(bad), { ...headers, 'x-hub-signature-256': badSig })).status).toBe(400);
    const arr = '[1,2]';
    expect((await route(Buffer.from(arr), { ...headers, 'x-hub-signature-256': await signer.sign(arr) })).status).toBe(400);
    expect(await count()).toBe(0);
  });

  it('the same delivery posted 5 times at once has one effect, even with two processors', async () => {
    const rec = recorder();
    const p1 = new DeliveryProcessor({ db: t.db, probot: rec, pollMs: 0 });
    const other = t.schema ? await t.openAnother() : t.db;
    const p2 = new DeliveryProcessor({ db: other, probot: rec, pollMs: 0 });
    const route = webhookRoute({ db: t.db, secret: SECRET, processor: p1 });
    const { raw, headers } = await signed('d-5x', 'issues', example('issues', 'opened'));
    const answers = await Promise.all(Array.from({ length: 5 }, () => route(raw, headers)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.filter((a) => a.body.stored === true)).toHaveLength(1);
    await Promise.all([p1.drain(), p2.drain(), p1.drain(), p2.drain()]);
    expect(rec.seen.map((e) => e.id)).toEqual(['d-5x']);
    expect(rec.seen[0]!.name).toBe('issues');
    const { rows } = await t.db.query<{ processed_at: Date | null; attempts: number; error: string | null }>('SELECT processed_at, attempts, error FROM webhook_deliveries');
    expect(rows[0]!.processed_at).not.toBeNull();
    expect(rows[0]).toMatchObject({ attempts: 1, error: null });
    // A redelivery after processing changes nothing either.
    await route(raw, headers);
    await p1.drain();
    expect(rec.seen).toHaveLength(1);
  });

  it('resumes deliveries stored before a crash, and retries failures with the error recorded', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    for (const id of ['r-1', 'r-2', 'r-3']) {
      // Three distinct pushes (the same body under three ids would be one delivery replayed).
      const { raw, headers } = await signed(id, 'push', { ...example<Record<string, unknown>>('push'), after: id });
      await route(raw, headers);
    }
    // a crash mid-processing: claimed long ago, never finished
    await t.db.query(`UPDATE webhook_deliveries SET attempts = 1, error = 'processing:1000:deadbeef' WHERE delivery_id = 'r-3'`);
    let fail = true;
    const seen: string[] = [];
    let clock = Date.now();
    const proc = new DeliveryProcessor({
      db: t.db,
      pollMs: 0,
      now: () => clock,
      probot: {
        async receive(e) {
          if (e.id === 'r-2' && fail) throw new Error('GitHub said 502');
          seen.push(e.id);
        },
      },
    });
    expect(await proc.start()).toBe(3);
    expect(seen.sort()).toEqual(['r-1', 'r-3']);
    const r2 = (
      await t.db.query<{ error: string; attempts: number; retry_in_ms: number }>(
        `SELECT error, attempts, (EXTRACT(EPOCH FROM next_attempt_at) * 1000 - $1)::float8 AS retry_in_ms
         FROM webhook_deliveries WHERE delivery_id = 'r-2'`,
        [clock],
      )
    ).rows[0]!;
    expect(r2.attempts).toBe(1);
    expect(r2.error).toBe('GitHub said 502');
    expect(r2.retry_in_ms).toBeGreaterThan(0);
    // not before its backoff...
    expect(await proc.drain()).toBe(0);
    fail = false;
    clock += 60_000;
    expect(await proc.drain()).toBe(1);
    expect(seen.sort()).toEqual(['r-1', 'r-2', 'r-3']);
    await proc.stop();
  });
});

describe('what a delivery may be', () => {
  it('answers a replay under a new delivery id like a duplicate and never runs it again', async () => {
    const rec = recorder();
    const proc = new DeliveryProcessor({ db: t.db, probot: rec, pollMs: 0 });
    const route = webhookRoute({ db: t.db, secret: SECRET });
    const payload = example('issues', 'opened');
    const first = await signed('orig-1', 'issues', payload);
    expect((await route(first.raw, first.headers)).body).toMatchObject({ stored: true });
    await proc.drain();
    const replay = await signed('replayed-1', 'issues', payload);
    const answer = await route(replay.raw, replay.headers);
    expect(answer).toEqual({ status: 202, body: { delivery: 'replayed-1', stored: false, duplicate: true } });
    await proc.drain();
    expect(rec.seen.map((e) => e.id)).toEqual(['orig-1']);
    expect(await count()).toBe(1);
    // The same body under another event name is another delivery.
    const other = await signed('other-1', 'issue_comment', payload);
    expect((await route(other.raw, other.headers)).body).toMatchObject({ stored: true });
  });

  it('accepts event names with digits', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    for (const name of ['projects_v2_item', 'projects_v2']) {
      const { raw, headers } = await signed(`d-${name}`, name, { action: 'created', installation: { id: 7 } });
      expect(await route(raw, headers)).toEqual({ status: 202, body: { delivery: `d-${name}`, stored: true } });
    }
    const { raw, headers } = await signed('d-bad-name', 'Projects V2!', {});
    expect(await route(raw, headers)).toMatchObject({ status: 400 });
  });
});

describe('installations in parallel, each in order', () => {
  /** A receiver whose handling of chosen deliveries waits until released. */
  function gated(block: (e: EmitterWebhookEvent) => boolean) {
    const seen: string[] = [];
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inFlight = new Map<string, number>();
    let maxPerInstallation = 0;
    return {
      seen,
      started,
      release: () => release(),
      maxPerInstallation: () => maxPerInstallation,
      async receive(e: EmitterWebhookEvent) {
        const inst = String((e.payload as { installation?: { id?: number } }).installation?.id);
        const lane = `${inst}:${e.name}`;
        inFlight.set(lane, (inFlight.get(lane) ?? 0) + 1);
        maxPerInstallation = Math.max(maxPerInstallation, inFlight.get(lane)!);
        started.push(e.id);
        try {
          if (block(e)) await gate;
          await new Promise((r) => setTimeout(r, 5));
          seen.push(e.id);
        } finally {
          inFlight.set(lane, inFlight.get(lane)! - 1);
        }
      },
    };
  }
  const until = async (fn: () => boolean | Promise<boolean>, what: string) => {
    const end = Date.now() + 20_000;
    while (!(await fn())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const comment = (inst: number, n: number) => {
    const p = example<Record<string, unknown>>('issue_comment', 'created');
    (p.comment as { id: number }).id = 1000 * inst + n;
    p.installation = { id: inst };
    return p;
  };

  it("one installation's blocked writes hold neither another installation nor its own check events", async () => {
    const rec = gated((e) => (e.payload as { installation: { id: number } }).installation.id === 1 && e.name === 'issue_comment');
    const proc = new DeliveryProcessor({ db: t.db, probot: rec, pollMs: 0, concurrency: 4 });
    const route = webhookRoute({ db: t.db, secret: SECRET });
    // Installation 1: six comments that each wait on GitHub; then installation 2's command and
    // installation 1's own check run.
    for (let n = 0; n < 6; n++) {
      const { raw, headers } = await signed(`a-${n}`, 'issue_comment', comment(1, n));
      await route(raw, headers);
    }
    const b = await signed('b-0', 'issue_comment', comment(2, 0));
    await route(b.raw, b.headers);
    const check = example<Record<string, unknown>>('check_run', 'completed');
    check.installation = { id: 1 };
    const c = await signed('a-check', 'check_run', check);
    await route(c.raw, c.headers);
    const drained = proc.drain();
    await until(() => rec.seen.includes('b-0') && rec.seen.includes('a-check'), "installation 2's comment and installation 1's check run");
    // Installation 1's comments wait one at a time, in order.
    expect(rec.started.filter((id) => id.startsWith('a-') && id !== 'a-check')).toEqual(['a-0']);
    rec.release();
    await drained;
    expect(rec.seen.filter((id) => id.startsWith('a-') && id !== 'a-check')).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    expect(rec.maxPerInstallation()).toBe(1);
    await proc.stop();
  });
});
