import { afterAll, describe, expect, it } from 'vitest';
import { migrate, loadMigrations } from '../../app/store/migrate.js';
import { openPgliteDb } from '../../app/store/pgliteDb.js';
import { freshDb, postgresReachable, type TestDb } from '../support/db.js';

const opened: TestDb[] = [];
afterAll(async () => {
  for (const t of opened) await t.cleanup();
});

describe('migrations', () => {
  it('are numbered NNNN_name.sql without gaps or duplicates', async () => {
    const list = await loadMigrations();
    expect(list.length).toBeGreaterThan(0);
    list.forEach((m, i) => expect(m.id).toBe(i + 1));
  });

  it('apply to an empty PGlite, and a second run applies nothing', async () => {
    const db = await openPgliteDb();
    try {
      const first = await migrate(db);
      expect(first.applied).toContain('0001_init.sql');
      const second = await migrate(db);
      expect(second.applied).toEqual([]);
      const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM fleet_migrations');
      expect(rows[0]!.n).toBe((await loadMigrations()).length);
    } finally {
      await db.close();
    }
  });

  it('apply to an empty PostgreSQL twice, and concurrently from two processes exactly once', async () => {
    expect(await postgresReachable()).toBe(true);
    const t = await freshDb('migrate', { migrate: false, backend: 'postgres' });
    opened.push(t);
    const other = await t.openAnother();
    const [a, b] = await Promise.all([migrate(t.db), migrate(other)]);
    const all = [...a.applied, ...b.applied].sort();
    expect(all).toEqual((await loadMigrations()).map((m) => m.name));
    expect((await migrate(t.db)).applied).toEqual([]);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'tasks'`,
      [t.schema],
    );
    expect(rows[0]!.n).toBe(1);
  });
});
