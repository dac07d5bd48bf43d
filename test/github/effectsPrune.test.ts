import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { githubAppSlot, githubRoutes } from '../../app/github/ingest/mount.js';
import { registerPeriodicJobs } from '../../app/jobs.js';
import type { Db } from '../../app/store/db.js';
import { privateKey } from './helpers.js';

const settings = () => ({ appId: '1', privateKey: privateKey(), secret: 'prune-secret', orchestratorUrl: 'http://127.0.0.1:0' });

async function oldAndRecentRecords(db: Db): Promise<void> {
  await db.query(
    `INSERT INTO github_effects (delivery_id, effect_key, started_at, done_at) VALUES
       ('old', 'reaction', now() - interval '8 days', now() - interval '8 days'),
       ('recent', 'reaction', now() - interval '6 days', now() - interval '6 days'),
       ('live', 'comment', now(), NULL)`,
  );
  const { rows } = await db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('acme', 'prune') RETURNING id`);
  await db.query(
    `INSERT INTO github_command_replies (project_id, issue_number, login, delivery_id, replied_at) VALUES
       ($1, 1, 'stranger-a', 'd1', now() - interval '2 hours'),
       ($1, 2, 'stranger-b', 'd2', now() - interval '10 minutes')`,
    [rows[0]!.id],
  );
}

const effectIds = async (db: Db) => (await db.query<{ delivery_id: string }>('SELECT delivery_id FROM github_effects ORDER BY delivery_id')).rows.map((r) => r.delivery_id);
const replyLogins = async (db: Db) => (await db.query<{ login: string }>('SELECT login FROM github_command_replies ORDER BY login')).rows.map((r) => r.login);

// The records that keep a delivery's GitHub writes to once, and strangers to one reply an hour,
// are pruned by the periodic round once they can no longer matter; the live ones stay.
describe('pruning GitHub effect records', () => {
  let s: TestServer;
  beforeAll(async () => {
    // As app/main.ts wires it: one slot for the App's routes and for the boot module's jobs.
    const slot = githubAppSlot();
    s = await startTestServer('gh_prune', { start: { routes: [githubRoutes(settings(), {}, slot)], github: slot } });
  });
  afterAll(() => s.close());

  it('drops effects older than a week and reply markers older than an hour, and keeps the rest', async () => {
    const db = s.o.db;
    await oldAndRecentRecords(db);

    // The first round runs every registered job.
    expect(await s.o.periodic.runOnce()).toBe(true);

    expect(await effectIds(db)).toEqual(['live', 'recent']);
    expect(await replyLogins(db)).toEqual(['stranger-b']);
  });
});

// Issue 12: the boot module (app/jobs.ts) registers the App's periodic jobs, not its route module;
// the App may start later (through /setup), and its jobs run from then on.
describe('the GitHub App periodic jobs', () => {
  let s: TestServer;
  const slot = githubAppSlot();
  beforeAll(async () => {
    s = await startTestServer('gh_jobs', { start: { routes: [githubRoutes(null, {}, slot)] } });
  });
  afterAll(() => s.close());

  it('are registered at boot, do nothing while the App is not running, and run once it starts', async () => {
    const jobs = new Map<string, { every: number; run: () => Promise<unknown> }>();
    registerPeriodicJobs({ register: (name, every, run) => jobs.set(name, { every, run }) }, { db: s.o.db, engine: s.o.engine, settings: s.o.config, github: slot });
    expect([...jobs].filter(([n]) => ['prune-github-effects', 'guards.github', 'reconcile'].includes(n)).map(([n, j]) => [n, j.every])).toEqual([
      ['prune-github-effects', 240],
      ['guards.github', 2],
      ['reconcile', 20],
    ]);
    await oldAndRecentRecords(s.o.db);
    const prune = jobs.get('prune-github-effects')!;

    await prune.run();
    expect(await effectIds(s.o.db)).toEqual(['live', 'old', 'recent']);
    // No installation yet: reconcile and the guard writes have nothing to do, and do not fail.
    await jobs.get('reconcile')!.run();
    await jobs.get('guards.github')!.run();

    await slot.start(settings());
    await prune.run();
    expect(await effectIds(s.o.db)).toEqual(['live', 'recent']);
    expect(await replyLogins(s.o.db)).toEqual(['stranger-b']);
  });
});
