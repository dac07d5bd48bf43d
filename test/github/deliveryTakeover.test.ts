import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhooks, type EmitterWebhookEvent } from '@octokit/webhooks';
import { freshDb, type TestDb } from '../support/db.js';
import { eventually } from '../support/eventually.js';
import { DeliveryProcessor, webhookRoute } from '../../app/github/deliveries.js';
import { example } from './helpers.js';

const SECRET = 'takeover-secret';
const signer = new Webhooks({ secret: SECRET });

/**
 * A processor that dies while handling deliveries leaves LIVE claims behind (claimed_by set,
 * claimed_until in the future, no error): nothing else may touch them until the claim runs out,
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
      const raw = JSON.stringify(example('star', 'created'));
      const res = await route(Buffer.from(raw), { 'x-github-delivery': id, 'x-github-event': 'star', 'x-hub-signature-256': await signer.sign(raw) });
      expect(res.status).toBe(202);
    }

    // The doomed processor claims both and hangs in its handlers forever: as good as dead.
    const ttl = 60_000;
    const dead = new DeliveryProcessor({ db: t.db, probot: { receive: () => new Promise<void>(() => undefined) }, pollMs: 0, claimTtlMs: ttl });
    void dead.processOne();
    void dead.processOne();
    const held = await eventually(async () => {
      const { rows } = await t.db.query<{ delivery_id: string; claimed_by: string | null; claimed_until: Date | null; processed_at: Date | null; error: string | null; attempts: number }>(
        'SELECT delivery_id, claimed_by, claimed_until, processed_at, error, attempts FROM webhook_deliveries ORDER BY delivery_id',
      );
      expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
      return rows;
    });
    // Live claims, not error markers.
    for (const r of held) {
      expect(r.claimed_by).toMatch(/\S/);
      expect(r.claimed_until!.getTime()).toBeGreaterThan(Date.now());
      expect(r.processed_at).toBeNull();
      expect(r.error).toBeNull();
    }

    const seen: string[] = [];
    let clock = Date.now();
    const survivor = new DeliveryProcessor({
      db: t.db,
      probot: { receive: async (e: EmitterWebhookEvent) => void seen.push(e.id) },
      pollMs: 0,
      claimTtlMs: ttl,
      now: () => clock,
    });
    // While the claims are live, nothing is claimable.
    expect(await survivor.processOne()).toBe(false);
    clock = held[0]!.claimed_until!.getTime() - 1;
    expect(await survivor.processOne()).toBe(false);
    // Once they run out, each is taken over and processed once.
    clock = Math.max(...held.map((r) => r.claimed_until!.getTime())) + 1;
    expect(await survivor.drain()).toBe(2);
    expect(seen.sort()).toEqual(['k-1', 'k-2']);
    expect(await survivor.drain()).toBe(0);
    const { rows } = await t.db.query<{ processed_at: Date | null; attempts: number; error: string | null; claimed_until: Date | null }>(
      'SELECT processed_at, attempts, error, claimed_until FROM webhook_deliveries ORDER BY delivery_id',
    );
    for (const r of rows) expect(r).toMatchObject({ attempts: 2, error: null, claimed_until: null, processed_at: expect.any(Date) });
  });
});
