import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { Webhooks } from '@octokit/webhooks';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually } from '../support/eventually.js';
import { githubRoutes } from '../../app/github/ingest/mount.js';
import { privateKey } from './helpers.js';

/**
 * Every example payload GitHub documents (@octokit/webhooks-examples) for every event the app
 * subscribes to (app.yml default_events, which lists installation and installation_repositories),
 * signed and POSTed to the real server's /api/github/webhooks: each is acknowledged with 202 and
 * processed from the delivery table without error. GitHub is a catch-all nock that answers what
 * the app legitimately asks for; every call is checked against GitHub's API description by the
 * global guard, and any route outside the list below fails the test.
 */
const require = createRequire(import.meta.url);
type Example = { name: string; examples: Record<string, unknown>[] };
const ALL = require('@octokit/webhooks-examples/api.github.com/index.json') as Example[];
const LISTED = (parseYaml(readFileSync(new URL('../../app.yml', import.meta.url), 'utf8')) as { default_events: string[] }).default_events;
/** GitHub sends every App these two without being asked, and refuses them in a manifest's default_events. */
const ALWAYS_DELIVERED = ['installation', 'installation_repositories'];
const SUBSCRIBED = [...LISTED, ...ALWAYS_DELIVERED];
const SECRET = 'examples-secret';

/** What the app may ask GitHub while handling these payloads, and the answer it gets. */
const EXPLAINED: [string, RegExp, (body: unknown) => [number, unknown]][] = [
  ['POST /app/installations/{id}/access_tokens', /^POST \/app\/installations\/\d+\/access_tokens$/, () => [201, { token: 'ghs_examples', expires_at: '2999-01-01T00:00:00Z', permissions: {} }]],
  // No .github/fleet.yml and no plan file: the defaults apply.
  ['GET /repos/{o}/{r}/contents/{path}', /^GET \/repos\/[^/]+\/[^/]+\/contents\//, () => [404, { message: 'Not Found' }]],
];

describe('every example payload of every subscribed event, through POST /api/github/webhooks', () => {
  let s: TestServer;
  const calls = new Map<string, number>();
  const unexplained: string[] = [];
  const signer = new Webhooks({ secret: SECRET });

  beforeAll(async () => {
    const settings = { appId: '1', privateKey: privateKey(), secret: SECRET, orchestratorUrl: 'http://127.0.0.1:0' };
    s = await startTestServer('gh_examples', { start: { routes: [githubRoutes(settings, {})] } });
  });
  afterAll(() => s.close());

  function catchAll() {
    for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
      nock('https://api.github.com')
        .persist()
        .intercept(/.*/, method)
        .optionally()
        .reply((uri, body) => {
          const line = `${method} ${new URL(uri, 'https://api.github.com').pathname}`;
          const hit = EXPLAINED.find(([, re]) => re.test(line));
          if (!hit) {
            unexplained.push(line);
            return [404, { message: 'Not Found' }];
          }
          calls.set(hit[0], (calls.get(hit[0]) ?? 0) + 1);
          return hit[2](body);
        });
    }
  }

  const post = async (event: string, payload: unknown, id: string) => {
    const body = JSON.stringify(payload);
    return fetch(`${s.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-delivery': id, 'x-github-event': event, 'x-hub-signature-256': await signer.sign(body) },
      body,
    });
  };
  const processed = (ids: string[]) =>
    eventually(
      async () => {
        const { rows } = await s.o.db.query<{ delivery_id: string; processed_at: Date | null; error: string | null }>(
          'SELECT delivery_id, processed_at, error FROM webhook_deliveries WHERE delivery_id = ANY($1) ORDER BY delivery_id',
          [ids],
        );
        expect(rows.map((r) => [r.delivery_id, r.error])).toEqual([...ids].sort().map((id) => [id, null]));
        expect(rows.every((r) => r.processed_at instanceof Date)).toBe(true);
        return rows;
      },
      { timeoutMs: 60_000 },
    );
  const example = (event: string, action: string, index = 0) => structuredClone(ALL.find((x) => x.name === event)!.examples.filter((e) => e.action === action)[index]!);
  const projects = async () =>
    (await s.o.db.query<{ name: string; installation_id: number | null }>(`SELECT owner || '/' || repo AS name, installation_id::int AS installation_id FROM projects ORDER BY 1`)).rows;

  it('installation and installation_repositories: projects follow the repositories the app is installed on', async () => {
    catchAll();
    await s.o.db.query('DELETE FROM projects');
    let n = 0;
    const deliver = async (event: string, payload: unknown) => {
      const id = `inst-${++n}`;
      expect((await post(event, payload, id)).status).toBe(202);
      await processed([id]);
    };
    await deliver('installation', example('installation', 'created'));
    expect(await projects()).toEqual([{ name: 'Codertocat/Hello-World', installation_id: 957387 }]);
    await deliver('installation_repositories', example('installation_repositories', 'added'));
    expect(await projects()).toEqual([
      { name: 'Codertocat/Hello-World', installation_id: 957387 },
      { name: 'Codertocat/Space', installation_id: 957387 },
    ]);
    // Installation 2 holds octocat/Hello-World; removing the repository detaches only it.
    await s.o.db.query(`INSERT INTO projects (owner, repo, installation_id) VALUES ('octocat', 'Hello-World', 2)`);
    await deliver('installation_repositories', example('installation_repositories', 'removed'));
    expect((await projects()).find((p) => p.name === 'octocat/Hello-World')).toEqual({ name: 'octocat/Hello-World', installation_id: null });
    // Deleting installation 957387 detaches every project it held, and keeps the projects.
    const deleted = example('installation', 'deleted');
    (deleted.installation as { id: number }).id = 957387;
    await deliver('installation', deleted);
    expect(await projects()).toEqual([
      { name: 'Codertocat/Hello-World', installation_id: null },
      { name: 'Codertocat/Space', installation_id: null },
      { name: 'octocat/Hello-World', installation_id: null },
    ]);
    // Installing again reattaches; suspending detaches; unsuspending names no repository and changes nothing.
    await deliver('installation', example('installation', 'created', 1));
    expect((await projects())[0]).toEqual({ name: 'Codertocat/Hello-World', installation_id: 957387 });
    const suspend = example('installation', 'suspend');
    (suspend.installation as { id: number }).id = 957387;
    await deliver('installation', suspend);
    expect((await projects())[0]).toEqual({ name: 'Codertocat/Hello-World', installation_id: null });
    expect(unexplained).toEqual([]);
  });

  it('leaves the installation events out of the manifest (every App gets them), and the examples cover every delivered event', () => {
    for (const e of ALWAYS_DELIVERED) expect(LISTED).not.toContain(e);
    for (const e of SUBSCRIBED) expect(ALL.find((x) => x.name === e)?.examples.length ?? 0, e).toBeGreaterThan(0);
  });

  it.each(SUBSCRIBED)('%s: every example is acknowledged with 202 and processed without error', async (event) => {
    catchAll();
    // The installation test above sent some of these very bodies: sent again they are replays,
    // which are acknowledged but never run twice. Each test here starts from an empty log.
    await s.o.db.query('DELETE FROM webhook_deliveries');
    const examples = ALL.find((x) => x.name === event)!.examples;
    const ids: string[] = [];
    for (const [i, payload] of examples.entries()) {
      const id = `ex-${event}-${i}`;
      const res = await post(event, payload, id);
      expect(res.status, `${event} example ${i} (${String(payload.action ?? '')})`).toBe(202);
      ids.push(id);
    }
    expect(await processed(ids)).toHaveLength(examples.length);
    expect(unexplained).toEqual([]);
  });
});
