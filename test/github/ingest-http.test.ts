import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import nock from 'nock';
import pino from 'pino';
import type { TestServer } from '../support/server.js';
import { startAppServer, webhookSignature } from '../support/appServer.js';
import { example } from './helpers.js';
import { until } from './ingestStandIn.js';

const SECRET = 'ingest-http-secret';
const sign = (body: string) => webhookSignature(body, SECRET);

// What the server logs, line by line, as a production process would write it.
const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

// The real server and its real webhook route: deliveries GitHub could sign but the database
// could not take, bodies over the limit, and payloads that once silenced the logger.
describe('the webhook route with hostile but signed deliveries', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startAppServer('gh_ingest_http', SECRET, { log: pino({ level: 'warn' }, sink) });
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (id: string, event: string, body: string) =>
    fetch(`${s.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-delivery': id, 'x-github-event': event, 'x-hub-signature-256': sign(body) },
      body,
    });

  it.each([
    ['1e308', '1e308'],
    ['1_5', '1.5'],
    ['2pow63', '9223372036854775808'],
    ['minus1', '-1'],
  ])('installation id %s: a 4xx that says why, the same on redelivery, never a 503', async (label, literal) => {
    const body = JSON.stringify(example('star', 'created')).replace('"installation":{"id":1,', `"installation":{"id":${literal},`);
    expect(body).toContain(`"id":${literal},`);
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await post(`bad-inst-${label}`, 'star', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/installation\.id/);
    }
  });

  it('stores a delivery with lone surrogate escapes, replaced, and processes it', async () => {
    const payload = example<Record<string, unknown>>('star', 'created');
    const body = JSON.stringify(payload).replace('"action":"created"', '"action":"created","note":"a\\ud800b\\udc00c\\ud83d\\ude00"');
    expect(body).toContain('\\ud800');
    const res = await post('lone-surrogate', 'star', body);
    expect(res.status).toBe(202);
    const again = await post('lone-surrogate', 'star', body);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ duplicate: true });
    const { rows } = await s.o.db.query<{ note: string }>(`SELECT payload->>'note' AS note FROM webhook_deliveries WHERE delivery_id = 'lone-surrogate'`);
    expect(rows[0]!.note).toBe('a\uFFFDb\uFFFDc\u{1F600}');
    await until(
      async () => (await s.o.db.query(`SELECT 1 FROM webhook_deliveries WHERE delivery_id = 'lone-surrogate' AND processed_at IS NOT NULL`)).rows.length,
      'the stored delivery to be processed',
    );
  });

  it('accepts projects_v2_item deliveries through the route', async () => {
    const body = JSON.stringify({ action: 'edited', projects_v2_item: { id: 1 }, installation: { id: 1 } });
    const res = await post('pv2-1', 'projects_v2_item', body);
    expect(res.status).toBe(202);
  });

  it('a 413 states the limit of the route that refused it', async () => {
    const big = Buffer.alloc(25 * 1024 * 1024 + 10, 0x20);
    const res = await fetch(`${s.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-delivery': 'big', 'x-github-event': 'star', 'x-hub-signature-256': 'sha256=00' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(JSON.stringify(await res.json())).toContain('25 MB');
    const api = await fetch(`${s.url}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.admin}` },
      body: Buffer.alloc(1024 * 1024 + 10, 0x20),
    });
    expect(api.status).toBe(413);
    expect(JSON.stringify(await api.json())).toContain('1 MB');
  });

  it('logs every failed delivery as plain JSON, even after a 3,000-deep payload failed', async () => {
    // issues.opened needs an installation token; GitHub refuses it here, so both deliveries fail.
    nock('https://api.github.com').persist().post('/app/installations/1/access_tokens').reply(401, { message: 'Bad credentials' });
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 3000; i++) {
      const next: Record<string, unknown> = {};
      cur.d = next;
      cur = next;
    }
    const deepPayload = { ...example<Record<string, unknown>>('issues', 'opened'), deep };
    expect((await post('deep-1', 'issues', JSON.stringify(deepPayload))).status).toBe(202);
    await until(() => lines.some((l) => l.includes('deep-1') && l.includes('webhook delivery failed')), 'the deep delivery to fail with a log line');
    const later = example<Record<string, unknown>>('issues', 'opened');
    (later.issue as { number: number }).number = 4242;
    expect((await post('after-deep', 'issues', JSON.stringify(later))).status).toBe(202);
    await until(() => lines.some((l) => l.includes('after-deep') && l.includes('webhook delivery failed')), 'the later delivery to fail with a log line');
    for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
    expect(lines.every((l) => l.length < 64 * 1024)).toBe(true);
  });
});
