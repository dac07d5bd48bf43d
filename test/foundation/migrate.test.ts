import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { MigrationMismatchError, migrate, loadMigrations, type Migration } from '../../app/store/migrate.js';
import type { Db } from '../../app/store/db.js';
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
      expect(second).toEqual({ applied: [], checksumsRecorded: [] });
      // 0017: the agent_status view nobody read is gone.
      expect((await db.query<{ t: string | null }>(`SELECT to_regclass('agent_status')::text AS t`)).rows[0]!.t).toBeNull();
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

/** A tiny migration set of our own, so each case runs in milliseconds on a fresh schema. */
const SET: Migration[] = [
  { id: 1, name: '0001_one.sql', sql: 'CREATE TABLE one (id integer PRIMARY KEY);' },
  { id: 2, name: '0002_two.sql', sql: 'CREATE TABLE two (id integer PRIMARY KEY);\nINSERT INTO two VALUES (1);' },
];
const NEXT: Migration = { id: 3, name: '0003_three.sql', sql: 'CREATE TABLE three (id integer PRIMARY KEY);' };

describe.each(['postgres', 'pglite'] as const)('the migration runner on %s', (backend) => {
  // PGlite is slow to open: one instance, a fresh schema per case (it has one connection, so the
  // search_path set here is the one every later statement runs with).
  let lite: Db | undefined;
  let n = 0;
  afterAll(() => lite?.close());
  const open = async (): Promise<Db> => {
    if (backend === 'pglite') {
      lite ??= await openPgliteDb();
      const schema = `mig_${++n}`;
      await lite.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      return lite;
    }
    const t = await freshDb('mig', { migrate: false, backend });
    opened.push(t);
    return t.db;
  };
  const tableExists = async (db: Db, name: string) =>
    (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]!.t !== null;

  it('records each applied file\'s sha256', async () => {
    const db = await open();
    expect((await migrate(db, SET)).applied).toEqual(['0001_one.sql', '0002_two.sql']);
    const { rows } = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM fleet_migrations ORDER BY id');
    expect(rows).toEqual(SET.map((m) => ({ name: m.name, checksum: createHash('sha256').update(m.sql).digest('hex') })));
  });

  it('refuses a file changed after it was applied, naming it, and applies nothing after it', async () => {
    const db = await open();
    await migrate(db, SET);
    const edited = [SET[0]!, { ...SET[1]!, sql: SET[1]!.sql.replace('VALUES (1)', 'VALUES (2)') }, NEXT];
    const err = await migrate(db, edited).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationMismatchError);
    expect((err as MigrationMismatchError).file).toBe('0002_two.sql');
    expect((err as Error).message).toMatch(/migration 0002_two\.sql changed after it was applied.*new migration/);
    expect(await tableExists(db, 'three')).toBe(false);
  });

  it('accepts the same file with \\r\\n line endings (a Windows checkout)', async () => {
    const db = await open();
    await migrate(db, SET);
    const crlf = SET.map((m) => ({ ...m, sql: m.sql.replace(/\n/g, '\r\n') }));
    expect((await migrate(db, [...crlf, NEXT])).applied).toEqual(['0003_three.sql']);
  });

  it('refuses a database that is newer than this code, naming the migration it does not know', async () => {
    const db = await open();
    await migrate(db, [...SET, NEXT]);
    const err = await migrate(db, SET).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationMismatchError);
    expect((err as Error).message).toMatch(/database is newer than this code.*0003_three\.sql.*newest is 0002_two\.sql/);
  });

  it('refuses an applied migration whose file is gone from the middle', async () => {
    const db = await open();
    await migrate(db, [...SET, NEXT]);
    await expect(migrate(db, [SET[0]!, NEXT])).rejects.toThrow(/0002_two\.sql applied whose file is missing/);
  });

  it('keeps a database from before checksums working: records them on the first run, then checks them', async () => {
    const db = await open();
    // The runner as it was: no checksum column.
    await db.exec(`CREATE TABLE fleet_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
      ${SET[0]!.sql} ${SET[1]!.sql}
      INSERT INTO fleet_migrations (id, name) VALUES (1, '0001_one.sql'), (2, '0002_two.sql');`);
    const first = await migrate(db, [...SET, NEXT]);
    expect(first).toEqual({ applied: ['0003_three.sql'], checksumsRecorded: ['0001_one.sql', '0002_two.sql'] });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fleet_migrations WHERE checksum IS NULL');
    expect(rows[0]!.n).toBe(0);
    expect(await migrate(db, [...SET, NEXT])).toEqual({ applied: [], checksumsRecorded: [] });
    await expect(migrate(db, [{ ...SET[0]!, sql: 'CREATE TABLE one (id bigint PRIMARY KEY);' }, SET[1]!, NEXT])).rejects.toThrow(/0001_one\.sql changed/);
  });

});
