import pg from 'pg';
import type { Db, Queryable, QueryResult } from './db.js';

// int8 (count(*), bigserial ids) and numeric come back as strings by default; ids here fit in
// a double, and hours are small decimals, so both are parsed as numbers once, here.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export interface PgDbOptions {
  connectionString: string;
  /** Schema to work in (created if missing); lets parallel test files share one database. */
  schema?: string | undefined;
  max?: number | undefined;
}

export async function openPgDb(opts: PgDbOptions): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    options: opts.schema ? `-c search_path=${quoteIdent(opts.schema)},public` : undefined,
  });
  // A dropped idle connection must not take the process down; the next query reconnects.
  pool.on('error', () => undefined);
  if (opts.schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(opts.schema)}`);

  const asQueryable = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const res = await c.query(sql, params as unknown[] | undefined);
      return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await c.query(sql);
    },
  });

  const db: Db = {
    kind: 'postgres',
    ...asQueryable(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      // A checked-out client has no pool listener: a server restart while it waits between
      // queries would be an unhandled 'error' event and end the process. The failed query
      // reports it; the broken client is discarded, not returned to the pool.
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      const client = await checkout(pool, onError);
      try {
        await client.query('BEGIN');
        const out = await fn(asQueryable(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    async close() {
      await pool.end();
    },
  };
  return db;
}

/**
 * `pool.connect()`, with `onError` listening from the moment the pool hands the client over. The
 * pool drops its own listener as it hands out the client, and an awaited promise resumes only after
 * the rest of the socket chunk being read is handled: a server shutdown message in that chunk was an
 * 'error' event nobody listened to, which ended the process (seen once in bench:faults, Postgres
 * restarted). The callback form runs in the same tick as the hand-over.
 */
export function checkout(pool: pg.Pool, onError: (err: Error) => void): Promise<pg.PoolClient> {
  return new Promise((resolve, reject) => {
    pool.connect((err, client) => {
      if (err || !client) return reject(err ?? new Error('the pool gave no client'));
      client.on('error', onError);
      resolve(client);
    });
  });
}

/** Schema names come from our own config, never from requests; still quoted as identifiers. */
export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(name)) throw new Error(`invalid schema name "${name}": use letters, digits and _`);
  return `"${name}"`;
}
