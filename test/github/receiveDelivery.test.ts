import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Webhooks } from '@octokit/webhooks';
import { freshDb, PG_URL, type TestDb } from '../support/db.js';
import { openPgDb } from '../../app/store/pgDb.js';
import { receiveDelivery, type IncomingDelivery } from '../../app/github/ingest/receiveDelivery.js';

/**
 * What receipt stores and what it refuses, one rule at a time: the delivery's id and event name,
 * the signature, the body's shape, the installation id, payloads jsonb cannot take as sent, and a
 * database that fails. Each refusal carries the reason the route answers with (webhookRoute passes
 * it through as the 400's error) and writes nothing.
 */
const SECRET = 'receive-secret';
const signer = new Webhooks({ secret: SECRET });

let t: TestDb;
beforeAll(async () => {
  t = await freshDb('gh_receive', { backend: 'postgres' });
});
afterAll(() => t?.cleanup());
beforeEach(async () => {
  await t.db.query('DELETE FROM webhook_deliveries');
  await t.db.query('DELETE FROM webhook_lanes');
});

async function delivery(body: string, over: Partial<IncomingDelivery> = {}): Promise<IncomingDelivery> {
  return { id: 'd-1', name: 'issues', signature: await signer.sign(body), rawBody: Buffer.from(body), ...over };
}

const rows = async () =>
  (
    await t.db.query<{ delivery_id: string; action: string | null; installation_id: number | null; payload: unknown; lane: string }>(
      'SELECT delivery_id, action, installation_id, payload, lane FROM webhook_deliveries ORDER BY delivery_id',
    )
  ).rows;

describe('the delivery id and event name', () => {
  it.each([
    ['has a space', 'd 1'],
    ['is longer than 200 characters', 'd'.repeat(201)],
    ['has a slash', 'a/b'],
  ])('refuses an id that %s, naming what an id may hold', async (_what, id) => {
    const out = await receiveDelivery(t.db, await delivery('{}', { id }), SECRET);
    expect(out).toEqual({ status: 'bad_request', reason: 'X-GitHub-Delivery is missing or malformed (1-200 of A-Z a-z 0-9 . _ : -)' });
    expect(await rows()).toEqual([]);
  });

  it('takes an id of exactly 200 allowed characters', async () => {
    const id = 'A.b_c:d-9'.repeat(23).slice(0, 200);
    expect(await receiveDelivery(t.db, await delivery('{}', { id }), SECRET)).toEqual({ status: 'stored', id });
  });

  it('refuses an event name that is not a lower-case GitHub event name', async () => {
    for (const name of ['Issues', '9issues', 'issue-comment', 'a'.repeat(65)]) {
      const out = await receiveDelivery(t.db, await delivery('{}', { name }), SECRET);
      expect(out).toEqual({ status: 'bad_request', reason: 'X-GitHub-Event is missing or malformed (a lower-case event name such as issues or projects_v2_item)' });
    }
    expect(await rows()).toEqual([]);
  });
});

describe('the signature', () => {
  it('refuses an empty body whatever its signature: the verifier throws and that is a refusal', async () => {
    const out = await receiveDelivery(t.db, { id: 'd-1', name: 'issues', signature: 'sha256=' + '0'.repeat(64), rawBody: '' }, SECRET);
    expect(out).toEqual({ status: 'bad_signature' });
    expect(await rows()).toEqual([]);
  });

  it('refuses every delivery when the server was given an empty secret, rather than accepting any signature', async () => {
    const body = '{"action":"opened"}';
    const out = await receiveDelivery(t.db, { id: 'd-1', name: 'issues', signature: 'sha256=' + '0'.repeat(64), rawBody: body }, '');
    expect(out).toEqual({ status: 'bad_signature' });
    expect(await rows()).toEqual([]);
  });

  it('keeps telling secrets apart after many have been used', async () => {
    // The verifier per secret is cached (and the cache is bounded): a later secret never reuses
    // an earlier secret's verifier.
    const body = '{"action":"opened"}';
    for (let i = 0; i < 12; i++) {
      const secret = `secret-${i}`;
      const signature = await new Webhooks({ secret }).sign(body);
      expect(await receiveDelivery(t.db, { id: `s-${i}`, name: 'issues', signature, rawBody: body }, `secret-${(i + 1) % 12}`)).toEqual({ status: 'bad_signature' });
      expect((await receiveDelivery(t.db, { id: `s-${i}`, name: `issues_${i}`, signature, rawBody: body }, secret)).status).toBe('stored');
    }
  });
});

describe('the body', () => {
  it('refuses a body that is not JSON', async () => {
    expect(await receiveDelivery(t.db, await delivery('{"action":'), SECRET)).toEqual({ status: 'bad_request', reason: 'body is not valid JSON' });
  });

  it.each([['null'], ['[1,2]'], ['"text"'], ['7'], ['true']])('refuses %s: the body must be a JSON object', async (body) => {
    expect(await receiveDelivery(t.db, await delivery(body), SECRET)).toEqual({ status: 'bad_request', reason: 'body must be a JSON object' });
    expect(await rows()).toEqual([]);
  });

  it('stores the action cut to 64 characters, and no action when it is not a string', async () => {
    await receiveDelivery(t.db, await delivery(JSON.stringify({ action: 'x'.repeat(100) }), { id: 'long' }), SECRET);
    await receiveDelivery(t.db, await delivery(JSON.stringify({ action: 5 }), { id: 'num' }), SECRET);
    const stored = await rows();
    expect(stored.map((r) => [r.delivery_id, r.action])).toEqual([
      ['long', 'x'.repeat(64)],
      ['num', null],
    ]);
  });
});

describe('the installation', () => {
  const store = async (id: string, installation: unknown) =>
    receiveDelivery(t.db, await delivery(JSON.stringify({ action: 'opened', installation }), { id }), SECRET);

  it('stores deliveries without an installation id under no installation', async () => {
    expect(await store('null', null)).toEqual({ status: 'stored', id: 'null' });
    expect(await store('empty', {})).toEqual({ status: 'stored', id: 'empty' });
    expect((await rows()).map((r) => [r.delivery_id, r.installation_id])).toEqual([
      ['empty', null],
      ['null', null],
    ]);
  });

  it.each([
    ['an array', [{ id: 1 }]],
    ['a number', 7],
    ['a string', 'inst'],
  ])('refuses an installation that is %s', async (_what, installation) => {
    expect(await store('bad', installation)).toEqual({ status: 'bad_request', reason: 'installation must be an object with a numeric id' });
  });

  it.each([[0], [-3], [1.5], ['7'], [2 ** 53]])('refuses installation.id %s', async (id) => {
    expect(await store('bad', { id })).toEqual({
      status: 'bad_request',
      reason: 'installation.id must be a positive whole number no larger than 9007199254740991',
    });
    expect(await rows()).toEqual([]);
  });

  it('stores installation.id 1, the smallest there is', async () => {
    expect(await store('one', { id: 1 })).toEqual({ status: 'stored', id: 'one' });
    expect((await rows())[0]!.installation_id).toBe(1);
  });
});

describe('payloads jsonb cannot take as sent', () => {
  it('drops NUL characters and replaces lone surrogates, keeping every other value as it was', async () => {
    const body = '{"action":"edited","title":"a\\u0000b\\u0000","bad":"x\\ud800y","n":5,"ok":true,"none":null,"list":[1,"c\\u0000"],"nested":{"k\\u0000":2}}';
    expect(await receiveDelivery(t.db, await delivery(body), SECRET)).toEqual({ status: 'stored', id: 'd-1' });
    expect((await rows())[0]!.payload).toEqual({
      action: 'edited',
      title: 'ab',
      bad: 'x\uFFFDy',
      n: 5,
      ok: true,
      none: null,
      list: [1, 'c'],
      nested: { k: 2 },
    });
  });

  it('answers a number jsonb cannot hold as a bad request (class 22), which a redelivery would repeat', async () => {
    const out = await receiveDelivery(t.db, await delivery('{"n":1e1000000}'), SECRET);
    expect(out.status).toBe('bad_request');
    expect((out as { reason: string }).reason).toMatch(/^payload cannot be stored: value overflows numeric format/);
    expect(await rows()).toEqual([]);
  });

  it('answers nesting past the server stack limit as a bad request (class 54)', async () => {
    const depth = 100_000;
    const out = await receiveDelivery(t.db, await delivery(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`), SECRET);
    expect(out.status).toBe('bad_request');
    expect((out as { reason: string }).reason).toMatch(/^payload cannot be stored: stack depth limit exceeded/);
  });

  it('lets any other database failure through to the caller (the route answers 503)', async () => {
    // No SQLSTATE at all: a pool that was closed.
    const closed = await openPgDb({ connectionString: PG_URL, schema: t.schema! });
    await closed.close();
    await expect(receiveDelivery(closed, await delivery('{}'), SECRET)).rejects.toThrow(/pool/i);
    // A SQLSTATE of another class (42P01, no such table): the server's fault, not the payload's.
    const bare = await freshDb('gh_receive_bare', { backend: 'postgres', migrate: false });
    try {
      await expect(receiveDelivery(bare.db, await delivery('{}'), SECRET)).rejects.toMatchObject({ code: '42P01' });
    } finally {
      await bare.cleanup();
    }
  });
});
