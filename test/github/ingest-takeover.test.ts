import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Webhooks } from '@octokit/webhooks';
import { freshDb, PG_URL, type TestDb } from '../support/db.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { example, privateKey } from './helpers.js';
import { reactApp, startStandIn, until, type StandIn } from './ingestStandIn.js';

const SECRET = 'takeover-secret';
const signer = new Webhooks({ secret: SECRET });
const CHILD = fileURLToPath(new URL('./ingestTakeoverChild.ts', import.meta.url));

let t: TestDb;
let gh: StandIn;
let child: ChildProcess | undefined;
beforeAll(async () => {
  t = await freshDb('gh_ingest_takeover', { backend: 'postgres' });
  gh = await startStandIn();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await gh?.close();
  await t?.cleanup();
});

const reactionsFor = (issue: number) =>
  gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${issue}/reactions`));

// A processor that dies with SIGKILL while its handlers wait on GitHub: a second processor takes
// its deliveries over once the short lease lapses, not after minutes, and each reaction GitHub
// answers is posted once.
describe('takeover after a real crash', () => {
  it('a second processor takes over what a killed one held, and every effect happens once', async () => {
    const route = webhookRoute({ db: t.db, secret: SECRET });
    const issues: number[] = [];
    for (const inst of [11, 12]) {
      for (let n = 0; n < 3; n++) {
        const p = example<Record<string, unknown>>('issue_comment', 'created');
        const issue = inst * 100 + n;
        issues.push(issue);
        (p.issue as { number: number }).number = issue;
        (p.comment as { id: number }).id = issue;
        p.installation = { id: inst };
        const raw = JSON.stringify(p);
        const res = await route(Buffer.from(raw), { 'x-github-delivery': `tk-${issue}`, 'x-github-event': 'issue_comment', 'x-hub-signature-256': await signer.sign(raw) });
        expect(res.status).toBe(202);
      }
    }

    // GitHub never answers the reactions the first process posts.
    gh.holdWhen((r) => r.path.endsWith('/reactions'));
    child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        TAKEOVER_PG_URL: PG_URL,
        TAKEOVER_SCHEMA: t.schema!,
        TAKEOVER_KEY: privateKey(),
        TAKEOVER_GHE_HOST: gh.host,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
    // Both installations' first comments are in flight in the child (one per installation: order).
    await until(() => reactionsFor(1100).length === 1 && reactionsFor(1200).length === 1, `the child's reactions to reach GitHub (child output: ${out})`);
    const childOwner = /owner (\S+)/.exec(out)?.[1];
    expect(childOwner).toBeTruthy();
    const held = await t.db.query<{ delivery_id: string }>('SELECT delivery_id FROM webhook_deliveries WHERE claimed_by = $1 AND processed_at IS NULL ORDER BY delivery_id', [childOwner]);
    expect(held.rows.map((r) => r.delivery_id)).toEqual(['tk-1100', 'tk-1200']);

    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    // From now on GitHub answers; a fresh processor (another process's) takes over.
    gh.holdWhen(() => false);
    const probot = createFleetProbot({
      appId: 123,
      privateKey: privateKey(),
      secret: SECRET,
      env: { GHE_HOST: gh.host, GHE_PROTOCOL: 'http' },
      throttle: { enabled: false },
      retry: { enabled: false },
    });
    await probot.load(reactApp);
    const db2 = await t.openAnother();
    const second = new DeliveryProcessor({ db: db2, probot, pollMs: 200 });
    expect(second.owner).not.toBe(childOwner);
    await second.start();
    try {
      await until(
        async () => Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_deliveries WHERE processed_at IS NULL')).rows[0]!.n) === 0,
        'every delivery to be processed after the takeover',
      );
    } finally {
      await second.stop();
    }

    for (const issue of issues) {
      expect(reactionsFor(issue).filter((r) => r.answered), `answered reactions on #${issue}`).toHaveLength(1);
    }
    const { rows } = await t.db.query<{ delivery_id: string; claimed_by: string; attempts: number; error: string | null }>(
      'SELECT delivery_id, claimed_by, attempts, error FROM webhook_deliveries ORDER BY delivery_id',
    );
    expect(rows.every((r) => r.claimed_by === second.owner && r.error === null)).toBe(true);
    // The two the child held were attempted twice (once by each process); the rest once.
    expect(rows.map((r) => [r.delivery_id, r.attempts])).toEqual(issues.map((i) => [`tk-${i}`, i % 100 === 0 ? 2 : 1]));
  });
});
