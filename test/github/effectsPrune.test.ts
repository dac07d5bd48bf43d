import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { githubRoutes } from '../../app/github/ingest/mount.js';
import { privateKey } from './helpers.js';

// The records that keep a delivery's GitHub writes to once, and strangers to one reply an hour,
// are pruned by the periodic round once they can no longer matter; the live ones stay.
describe('pruning GitHub effect records', () => {
  let s: TestServer;
  beforeAll(async () => {
    const settings = { appId: '1', privateKey: privateKey(), secret: 'prune-secret', orchestratorUrl: 'http://127.0.0.1:0' };
    s = await startTestServer('gh_prune', { start: { routes: [githubRoutes(settings, {})] } });
  });
  afterAll(() => s.close());

  it('drops effects older than a week and reply markers older than an hour, and keeps the rest', async () => {
    const db = s.o.db;
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

    // The first round runs every registered job.
    expect(await s.o.periodic.runOnce()).toBe(true);

    const effects = await db.query<{ delivery_id: string }>('SELECT delivery_id FROM github_effects ORDER BY delivery_id');
    expect(effects.rows.map((r) => r.delivery_id)).toEqual(['live', 'recent']);
    const replies = await db.query<{ login: string }>('SELECT login FROM github_command_replies ORDER BY login');
    expect(replies.rows.map((r) => r.login)).toEqual(['stranger-b']);
  });
});
