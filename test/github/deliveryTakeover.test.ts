import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import { freshDb, type TestDb } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';
import { example } from './helpers.js';

const SECRET = 'takeover-secret';
const signer = new Webhooks({ secret: SECRET });

/**
 * A processor that dies while handling deliveries leaves a LIVE hold behind (its lane leased to it,
 * the delivery it was running claimed by it, no error): nothing else may touch them until the lease runs out,
 * and then another processor must take each over and run it exactly once. (The real-process
 * SIGKILL version lives with the delivery tests; this one pins the claim rule itself.)
 */
describe('a delivery held by a processor that died', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('gh_takeover', { backend: 'postgres' });
  });
  afterAll(() => t.cleanup());

  it('is left alone while its claim is live, then taken over once and processed exactly once', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    for (const id of ['k-1', 'k-2']) {
      // Distinct bodies: the same body under another delivery id is a replay and is not stored.
      const raw = JSON.stringify({ ...example('star', 'created'), starred_at: `2026-01-01T00:00:0${id.slice(-1)}Z` });
      const res = await route(Buffer.from(raw), { 'x-github-delivery': id, 'x-github-event': 'star', 'x-hub-signature-256': await signer.sign(raw) });
      expect(res.status).toBe(202);
    }

    // The doomed processor takes the lane and its first delivery, and hangs in its handler
    // forever without renewing: as good as a process that died holding them.
    const lease = 60_000;
    const dead = new DeliveryProcessor({ db: t.db, probot: { receive: () => new Promise<void>(() => undefined) }, pollMs: 0, leaseMs: lease, renewMs: 3_600_000 });
    void dead.drain();
    const held = await eventually(async () => {
      const { rows } = await t.db.query<{ owner: string | null; lease_until: Date | null }>('SELECT owner, lease_until FROM webhook_lanes WHERE lease_until IS NOT NULL');
      const { rows: d } = await t.db.query<{ delivery_id: string; claimed_by: string | null; processed_at: Date | null; error: string | null; attempts: number }>(
        'SELECT delivery_id, claimed_by, processed_at, error, attempts FROM webhook_deliveries ORDER BY delivery_id',
      );
      expect(rows).toHaveLength(1);
      expect(d.map((r) => r.attempts)).toEqual([1, 0]);
      return { lane: rows[0]!, deliveries: d };
    });
    // A live hold by its owner, not an error marker.
    expect(held.lane.owner).toBe(dead.owner);
    expect(held.lane.lease_until!.getTime()).toBeGreaterThan(Date.now());
    expect(held.deliveries[0]).toMatchObject({ claimed_by: dead.owner, processed_at: null, error: null });

    const seen: string[] = [];
    let clock = Date.now();
    const survivor = new DeliveryProcessor({
      db: t.db,
      probot: { receive: async (e: EmitterWebhookEvent) => void seen.push(e.id) },
      pollMs: 0,
      leaseMs: lease,
      now: () => clock,
    });
    // While the hold is live, nothing is taken; not even a millisecond before it lapses.
    expect(await survivor.drain()).toBe(0);
    clock = held.lane.lease_until!.getTime() - 1;
    expect(await survivor.drain()).toBe(0);
    expect(seen).toEqual([]);
    // Once it lapses, the lane is taken over and each delivery processed once, in order.
    clock = held.lane.lease_until!.getTime() + 1;
    expect(await survivor.drain()).toBe(2);
    expect(seen).toEqual(['k-1', 'k-2']);
    expect(await survivor.drain()).toBe(0);
    const { rows } = await t.db.query<{ delivery_id: string; processed_at: Date | null; attempts: number; error: string | null }>(
      'SELECT delivery_id, processed_at, attempts, error FROM webhook_deliveries ORDER BY delivery_id',
    );
    expect(rows.map((r) => [r.delivery_id, r.attempts, r.error, r.processed_at instanceof Date])).toEqual([
      ['k-1', 2, null, true],
      ['k-2', 1, null, true],
    ]);
  });
});
