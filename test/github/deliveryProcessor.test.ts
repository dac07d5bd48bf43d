import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import { GraphqlResponseError } from '@octokit/graphql';
import { freshDb, PG_URL, type TestDb } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { interceptedDb } from '../support/interceptedDb.js';
import { recordingLog } from '../support/recordingLog.js';
import { openPgDb } from '../../app/store/pgDb.js';
import { DeliveryProcessor, type DeliveryProcessorOptions } from '../../app/github/ingest/deliveryProcessor.js';
import { receiveDelivery } from '../../app/github/ingest/receiveDelivery.js';

/**
 * The delivery processor's own rules, each pinned: its timers (the safety poll, the lease renewal)
 * under fake intervals, stopping, one drain at a time, how idle workers wake, the batch after which
 * a lane is given up, retry backoff and the error recorded, and each background failure logged.
 * Only setInterval is faked: the database and every other timer are real.
 */
const SECRET = 'processor-secret';
const signer = new Webhooks({ secret: SECRET });
const CLAIM_LANE = /UPDATE webhook_lanes l SET owner/;
const RELEASE_LANE = /UPDATE webhook_lanes SET lease_until = NULL/;
const RENEW_LANES = /UPDATE webhook_lanes SET lease_until = to_timestamp/;

let t: TestDb;
beforeAll(async () => {
  t = await freshDb('gh_processor', { backend: 'postgres' });
});
afterAll(() => t?.cleanup());
beforeEach(async () => {
  await t.db.query('DELETE FROM webhook_deliveries');
  await t.db.query('DELETE FROM webhook_lanes');
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

let n = 0;
/** Stores one signed delivery as receipt does (with its lane's row); bodies differ so none is a replay. */
async function store(id: string, installation = 1, event = 'issue_comment'): Promise<void> {
  const body = JSON.stringify({ action: 'created', installation: { id: installation }, n: n++ });
  expect(await receiveDelivery(t.db, { id, name: event, signature: await signer.sign(body), rawBody: body }, SECRET)).toEqual({ status: 'stored', id });
}

function opening(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** A receiver that records what it started and finished; deliveries named in `gated` wait for `open(id)`. */
function receiver(gated: string[] = [], onReceive?: (e: EmitterWebhookEvent) => Promise<void>) {
  const gates = new Map(gated.map((id) => [id, opening()]));
  const started: string[] = [];
  const seen: string[] = [];
  return {
    started,
    seen,
    open: (id: string) => gates.get(id)!.open(),
    async receive(e: EmitterWebhookEvent) {
      started.push(e.id);
      await onReceive?.(e);
      await gates.get(e.id)?.opened;
      seen.push(e.id);
    },
  };
}

function processor(o: Partial<DeliveryProcessorOptions> & { probot: DeliveryProcessorOptions['probot'] }): DeliveryProcessor {
  return new DeliveryProcessor({ db: t.db, pollMs: 0, ...o });
}

const row = async (id: string) =>
  (
    await t.db.query<{ processed_at: Date | null; attempts: number; error: string | null; next_attempt_at: Date | null; claimed_until: Date | null; claimed_by: string | null }>(
      'SELECT processed_at, attempts, error, next_attempt_at, claimed_until, claimed_by FROM webhook_deliveries WHERE delivery_id = $1',
      [id],
    )
  ).rows[0]!;
const lane = async (installation: number) =>
  (await t.db.query<{ owner: string | null; lease_until: Date | null }>('SELECT owner, lease_until FROM webhook_lanes WHERE installation_key = $1', [installation])).rows[0]!;

describe('who holds a lane', () => {
  it('is named by host, process and instance, in the lane and the delivery it runs', async () => {
    let during: { lane: Awaited<ReturnType<typeof lane>>; delivery: Awaited<ReturnType<typeof row>> } | undefined;
    const clock = 1_900_000_000_000;
    const proc = processor({ now: () => clock, leaseMs: 7_000, probot: receiver([], async () => void (during = { lane: await lane(1), delivery: await row('d-1') })) });
    expect(proc.owner).toMatch(new RegExp(`^${hostname().replace(/[.]/g, '\\.')}:${process.pid}:[0-9a-f]{8}$`));
    expect(processor({ probot: receiver() }).owner).not.toBe(proc.owner);
    await store('d-1');
    expect(await proc.drain()).toBe(1);
    expect(during!.lane).toEqual({ owner: proc.owner, lease_until: new Date(clock + 7_000) });
    expect(during!.delivery).toMatchObject({ claimed_by: proc.owner, claimed_until: new Date(clock + 7_000), attempts: 1 });
  });
});

describe('timers', () => {
  it('with pollMs 0 sets no poll, and a finished drain leaves no timer behind', async () => {
    const proc = processor({ probot: receiver() });
    await store('d-1');
    expect(await proc.start()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('polls for what another process stored, keeps one poll however often started, and clears it on stop', async () => {
    const rec = receiver();
    const proc = processor({ pollMs: 1_000, probot: rec });
    expect(await proc.start()).toBe(0);
    expect(await proc.start()).toBe(0);
    expect(vi.getTimerCount()).toBe(1);
    await store('d-1'); // no kick: only the poll can find it
    vi.advanceTimersByTime(1_000);
    await eventually(() => expect(rec.seen).toEqual(['d-1']));
    await proc.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('renews the lane and the running delivery while it runs, and carries on with the lane', async () => {
    let clock = 1_900_000_000_000;
    let leaseSeenByNext: Date | null = null;
    const rec = receiver(['d-1'], async (e) => {
      if (e.id === 'd-2') leaseSeenByNext = (await lane(1)).lease_until;
    });
    const proc = processor({ now: () => clock++, leaseMs: 10_000, renewMs: 1_000, probot: rec });
    await store('d-1');
    await store('d-2');
    const drained = proc.drain();
    await eventually(() => expect(rec.started).toEqual(['d-1']));
    const claimed = (await lane(1)).lease_until!.getTime();
    clock += 5_000;
    vi.advanceTimersByTime(1_000);
    // The renewal is two statements (the lane, then its running delivery): wait for both.
    const renewed = await eventually(async () => {
      const until = (await lane(1)).lease_until!.getTime();
      expect(until).toBeGreaterThanOrEqual(claimed + 5_000);
      expect((await row('d-1')).claimed_until!.getTime()).toBe(until);
      return until;
    });
    expect(renewed).toBeLessThanOrEqual(clock + 10_000);
    rec.open('d-1');
    expect(await drained).toBe(2);
    // The same hold went on to d-2: the lane was neither given up nor claimed again after the renewal.
    expect(leaseSeenByNext!.getTime()).toBe(renewed);
  });

  it('stops taking deliveries from a lane another process took over, without asking for the next', async () => {
    const ic = interceptedDb(t.db);
    const rec = receiver(['d-1']);
    const proc = processor({ db: ic.db, renewMs: 1_000, probot: rec });
    const deliveryClaims = () => ic.finished.filter((s) => s.sql.includes('UPDATE webhook_deliveries SET attempts')).length;
    await store('d-1');
    await store('d-2');
    const drained = proc.drain();
    await eventually(() => expect(rec.started).toEqual(['d-1']));
    await t.db.query(`UPDATE webhook_lanes SET owner = 'another-process'`);
    const renewal = ic.holdNext(RENEW_LANES);
    vi.advanceTimersByTime(1_000);
    await renewal.reached;
    renewal.release();
    const askedBefore = deliveryClaims();
    // The renewal handles its answer in microtasks, which all run before this round trip returns;
    // only then does the running delivery finish.
    await t.db.query('SELECT 1');
    rec.open('d-1');
    expect(await drained).toBe(1);
    expect(deliveryClaims()).toBe(askedBefore);
    expect(await row('d-2')).toMatchObject({ attempts: 0, processed_at: null });
  });

  it('logs a failed renewal and keeps going', async () => {
    const ic = interceptedDb(t.db);
    const log = recordingLog();
    const rec = receiver(['d-1']);
    const proc = processor({ db: ic.db, renewMs: 1_000, log, probot: rec });
    await store('d-1');
    const drained = proc.drain();
    await eventually(() => expect(rec.started).toEqual(['d-1']));
    ic.failNext(RENEW_LANES, new Error('connection reset'));
    vi.advanceTimersByTime(1_000);
    await eventually(() => expect(log.lines).toEqual([{ level: 'warn', obj: { err: 'connection reset' }, msg: 'webhook lease renewal failed' }]));
    rec.open('d-1');
    expect(await drained).toBe(1);
  });
});

describe('stopping', () => {
  it('lets the running delivery finish, takes no further one, and lets the lane go', async () => {
    const rec = receiver(['d-1']);
    const proc = processor({ probot: rec });
    await store('d-1');
    await store('d-2');
    const drained = proc.drain();
    await eventually(() => expect(rec.started).toEqual(['d-1']));
    const stopping = proc.stop();
    rec.open('d-1');
    await stopping;
    expect(await drained).toBe(1);
    expect(rec.seen).toEqual(['d-1']);
    expect(await row('d-2')).toMatchObject({ attempts: 0, processed_at: null });
    expect((await lane(1)).lease_until).toBeNull();
  });

  it('once stopped, a kick starts nothing and a drain takes nothing', async () => {
    const rec = receiver();
    const proc = processor({ probot: rec });
    await proc.stop();
    await store('d-1');
    proc.kick();
    // A drain that started would have set its renewal timer by now (it does so before its first wait).
    expect(vi.getTimerCount()).toBe(0);
    expect(await proc.drain()).toBe(0);
    expect(rec.started).toEqual([]);
  });
});

describe('one drain at a time', () => {
  it('a drain asked for while one runs is that drain', async () => {
    const proc = processor({ probot: receiver() });
    await store('d-1');
    const first = proc.drain();
    expect(proc.drain()).toBe(first);
    expect(await first).toBe(1);
  });

  it('takes a delivery stored while its last claim was in flight, in the same drain', async () => {
    const ic = interceptedDb(t.db);
    let lastClaim: ReturnType<typeof ic.holdNext> | undefined;
    const rec = receiver([], async (e) => {
      // d-1 is being run: the worker's next lane claim will find nothing; hold its answer back.
      if (e.id === 'd-1') lastClaim = ic.holdNext(CLAIM_LANE);
    });
    const proc = processor({ db: ic.db, concurrency: 1, probot: rec });
    await store('d-1', 1);
    const drained = proc.drain();
    await eventually(() => expect(lastClaim).toBeDefined());
    await lastClaim!.reached;
    await store('d-2', 2);
    proc.kick();
    lastClaim!.release();
    expect(await drained).toBe(2);
    expect(rec.seen).toEqual(['d-1', 'd-2']);
  });

  it('one worker takes every lane in turn', async () => {
    const rec = receiver();
    const proc = processor({ concurrency: 1, probot: rec });
    await store('d-1', 1);
    await store('d-2', 2);
    await store('d-3', 3, 'check_run');
    expect(await proc.drain()).toBe(3);
    expect(rec.seen.sort()).toEqual(['d-1', 'd-2', 'd-3']);
  });

  it('idle workers wake when a lane ends and take, side by side, lanes another process stored meanwhile', async () => {
    const ic = interceptedDb(t.db);
    const rec = receiver(['a-1', 'b-1']);
    const proc = processor({ db: ic.db, concurrency: 2, probot: rec });
    await store('a-1', 1);
    const drained = proc.drain();
    // One worker holds lane 1; the other found nothing and waits.
    await eventually(() => {
      expect(rec.started).toEqual(['a-1']);
      expect(ic.finished.filter((s) => CLAIM_LANE.test(s.sql) && s.rows === 0).length).toBeGreaterThanOrEqual(1);
    });
    await store('b-1', 2);
    await store('c-1', 3);
    rec.open('a-1');
    // b-1 blocks whichever worker took it; c-1 runs on the other at the same time.
    await eventually(
      () => {
        expect(rec.seen).toEqual(['a-1', 'c-1']);
        expect(rec.started).toContain('b-1');
      },
      { timeoutMs: 5_000 },
    );
    rec.open('b-1');
    expect(await drained).toBe(3);
  });

  it('gives a lane up after each batch of deliveries and claims it again', async () => {
    let clock = 1_900_000_000_000;
    const leases: number[] = [];
    const rec = receiver([], async () => void leases.push((await lane(1)).lease_until!.getTime()));
    const proc = processor({ now: () => (clock += 1_000), concurrency: 1, batch: 2, probot: rec });
    for (let i = 1; i <= 5; i++) await store(`d-${i}`);
    expect(await proc.drain()).toBe(5);
    expect(rec.seen).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5']);
    // A new claim, a new lease: deliveries run under the same lease came in one batch.
    const batches = [...new Set(leases)].map((l) => leases.filter((x) => x === l).length);
    expect(batches).toEqual([2, 2, 1]);
  });
});

describe('failures', () => {
  it('backs off 2 s, doubling per attempt, up to 5 minutes', async () => {
    const clock = 1_900_000_000_000;
    let now = clock;
    const proc = processor({ now: () => now, maxAttempts: 20, probot: { receive: () => Promise.reject(new Error('GitHub said 502')) } });
    await store('d-1');
    const retryIn = async () => (await row('d-1')).next_attempt_at!.getTime() - now;
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await proc.drain()).toBe(1);
      waits.push(await retryIn());
      now += 600_000;
    }
    await t.db.query(`UPDATE webhook_deliveries SET attempts = 9 WHERE delivery_id = 'd-1'`);
    expect(await proc.drain()).toBe(1);
    waits.push(await retryIn());
    expect(waits).toEqual([2_000, 4_000, 8_000, 300_000]);
    expect(await row('d-1')).toMatchObject({ attempts: 10, error: 'GitHub said 502', processed_at: null, claimed_until: null });
  });

  it('records what went wrong in words, whatever was thrown, cut to 1,000 characters', async () => {
    // As @octokit/graphql throws it: GitHub's errors are plain objects, not Errors.
    const graphql = new GraphqlResponseError({ method: 'POST', url: '/graphql', query: 'mutation {}' } as never, {}, {
      data: null as never,
      errors: [
        { type: 'NOT_FOUND', message: 'Could not resolve to a node with the global id of X', path: ['node'], extensions: {}, locations: [{ line: 1, column: 1 }] },
        { type: 'FORBIDDEN', message: 'Resource not accessible by integration', path: ['addComment'], extensions: {}, locations: [{ line: 1, column: 1 }] },
      ] as never,
    });
    const thrown: Record<string, unknown> = {
      long: new Error('x'.repeat(5_000)),
      aggregate: new AggregateError([new Error('first'), new Error('second')], 'several'),
      emptyAggregate: new AggregateError([], 'nothing inside'),
      graphql,
      text: 'a plain string',
    };
    const proc = processor({ probot: { receive: (e: EmitterWebhookEvent) => Promise.reject(thrown[e.id]) } });
    for (const [i, id] of Object.keys(thrown).entries()) await store(id, i + 1);
    expect(await proc.drain()).toBe(5);
    const errors = Object.fromEntries(await Promise.all(Object.keys(thrown).map(async (id) => [id, (await row(id)).error] as const)));
    expect(errors).toEqual({
      long: 'x'.repeat(1_000),
      aggregate: 'first; second',
      emptyAggregate: 'nothing inside',
      graphql: 'Could not resolve to a node with the global id of X; Resource not accessible by integration',
      text: 'a plain string',
    });
  });

  it('logs each failed attempt without the payload: a warning while attempts are left, an error on the last', async () => {
    const log = recordingLog();
    let now = 1_900_000_000_000;
    const proc = processor({ now: () => now, maxAttempts: 2, log, probot: { receive: () => Promise.reject(new Error('boom')) } });
    await store('d-1');
    await proc.drain();
    now += 600_000;
    await proc.drain();
    now += 600_000;
    expect(await proc.drain()).toBe(0);
    expect(log.lines).toEqual([
      { level: 'warn', obj: { delivery: 'd-1', event: 'issue_comment', attempts: 1, err: 'boom' }, msg: 'webhook delivery failed; will retry' },
      { level: 'error', obj: { delivery: 'd-1', event: 'issue_comment', attempts: 2, err: 'boom' }, msg: 'webhook delivery failed; giving up (attempts exhausted)' },
    ]);
  });

  it('logs a lane it could not let go, and leaves it to lapse', async () => {
    const ic = interceptedDb(t.db);
    const log = recordingLog();
    const proc = processor({ db: ic.db, log, probot: receiver() });
    await store('d-1');
    ic.failNext(RELEASE_LANE, new Error('connection reset'));
    expect(await proc.drain()).toBe(1);
    expect(log.lines).toEqual([{ level: 'warn', obj: { err: 'connection reset' }, msg: 'webhook lane release failed; its lease will lapse' }]);
    expect(await lane(1)).toMatchObject({ owner: proc.owner, lease_until: expect.any(Date) });
  });

  it('logs a drain a kick started that failed, and never throws to the kicker', async () => {
    const closed = await openPgDb({ connectionString: PG_URL, schema: t.schema! });
    await closed.close();
    const log = recordingLog();
    const proc = new DeliveryProcessor({ db: closed, pollMs: 0, log, probot: receiver() });
    expect(() => proc.kick()).not.toThrow();
    await eventually(() => expect(log.lines).toEqual([{ level: 'error', obj: { err: expect.stringMatching(/pool/i) }, msg: 'webhook drain failed' }]));
  });
});
