import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../app/store/db.js';
import { openPgDb } from '../../app/store/pgDb.js';
import { openPgliteDb } from '../../app/store/pgliteDb.js';
import { migrate } from '../../app/store/migrate.js';

export const PG_URL = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;
/** Whether a real PostgreSQL answers; CI requires one (FLEET_REQUIRE_PG=1 makes its absence an error). */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      if (process.env.FLEET_REQUIRE_PG === '1') {
        throw new Error(`PostgreSQL is not reachable at ${new URL(PG_URL).host}: start it (pg_ctlcluster 15 main start) or set DATABASE_URL`);
      }
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  })();
  return reachable;
}

export interface TestDb {
  db: Db;
  schema?: string;
  /** Opens another pool on the same schema: a second orchestrator process. */
  openAnother(): Promise<Db>;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: its own schema on the real server when one
 * answers (so files run in parallel), else an in-memory PGlite.
 */
export async function freshDb(label: string, opts: { migrate?: boolean; backend?: 'postgres' | 'pglite' } = {}): Promise<TestDb> {
  // A test that asks for PostgreSQL fails without it rather than quietly running on PGlite.
  if (opts.backend === 'postgres' && !(await postgresReachable())) {
    throw new Error(`this test needs PostgreSQL, which is not reachable at ${new URL(PG_URL).host}: start it or set DATABASE_URL`);
  }
  const wantPg = opts.backend !== 'pglite' && (opts.backend === 'postgres' || (await postgresReachable()));
  if (!wantPg) {
    const db = await openPgliteDb();
    if (opts.migrate !== false) await migrate(db);
    return { db, openAnother: () => Promise.reject(new Error('PGlite is single-process')), cleanup: () => db.close() };
  }
  const schema = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const db = await openPgDb({ connectionString: PG_URL, schema });
  if (opts.migrate !== false) await migrate(db);
  const others: Db[] = [];
  return {
    db,
    schema,
    async openAnother() {
      const o = await openPgDb({ connectionString: PG_URL, schema });
      others.push(o);
      return o;
    },
    async cleanup() {
      for (const o of others) await o.close().catch(() => undefined);
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      await db.close();
    },
  };
}
