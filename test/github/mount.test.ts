import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { startAppServer, webhookSignature } from '../support/appServer.js';
import { example } from './helpers.js';

const SECRET = 'mount-test-secret';
const sign = (body: string, secret = SECRET) => webhookSignature(body, secret);

// The app's own HTTP path on the real server: signed deliveries are stored before the answer,
// processed from the table, and a wrongly signed one changes nothing.
describe('POST /api/github/webhooks on the orchestrator', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAppServer('gh_mount', SECRET);
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (body: string, headers: Record<string, string>) =>
    fetch(`${s.url}/api/github/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('stores a signed delivery, processes it once, and answers a redelivery without a second effect', async () => {
    // A star on the repository: an event the app receives but that needs no GitHub call.
    const body = JSON.stringify(example('star', 'created'));
    const headers = { 'x-github-delivery': 'd-mount-1', 'x-github-event': 'star', 'x-hub-signature-256': sign(body) };
    const first = await post(body, headers);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ delivery: 'd-mount-1', stored: true });
    const again = await post(body, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ duplicate: true });
    let row: { processed_at: Date | null; attempts: number } | undefined;
    for (let i = 0; i < 50; i++) {
      ({ rows: [row] } = await s.o.db.query<{ processed_at: Date | null; attempts: number }>(
        `SELECT processed_at, attempts FROM webhook_deliveries WHERE delivery_id = 'd-mount-1'`,
      ));
      if (row?.processed_at) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row?.processed_at).toBeInstanceOf(Date);
    expect(row?.attempts).toBe(1);
  });

  it('refuses a wrongly signed or unsigned delivery and writes nothing', async () => {
    const body = JSON.stringify(example('star', 'created'));
    const wrong = await post(body, { 'x-github-delivery': 'd-mount-2', 'x-github-event': 'star', 'x-hub-signature-256': sign(body, 'not-the-secret') });
    expect(wrong.status).toBe(401);
    const unsigned = await post(body, { 'x-github-delivery': 'd-mount-3', 'x-github-event': 'star' });
    expect(unsigned.status).toBe(401);
    const garbage = await post('{not json', { 'x-github-delivery': 'd-mount-4', 'x-github-event': 'star', 'x-hub-signature-256': sign('{not json') });
    expect(garbage.status).toBe(400);
    const { rows } = await s.o.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE delivery_id <> 'd-mount-1'`);
    expect(rows[0]!.n).toBe(0);
  });
});
