import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './db.js';
import { openPgDb } from './pgDb.js';
import { openPgliteDb } from './pgliteDb.js';
import { migrate } from './migrate.js';
import { readEnv, type Env } from '../config/env.js';

export interface OpenDbOptions {
  databaseUrl?: string | undefined;
  schema?: string | undefined;
  dataDir: string;
}

/** `postgres://` → a real server; `memory://` → in-memory PGlite; unset → PGlite under dataDir/pgdata. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const url = opts.databaseUrl;
  if (url === 'memory://') return openPgliteDb();
  if (url) return openPgDb({ connectionString: url, schema: opts.schema });
  const dir = path.resolve(opts.dataDir, 'pgdata');
  await mkdir(dir, { recursive: true });
  return openPgliteDb(dir);
}

/** Where the database lives, for messages; never includes credentials. */
export function describeDb(env: Pick<Env, 'DATABASE_URL' | 'FLEET_DATA_DIR'>): string {
  const url = env.DATABASE_URL;
  if (url === 'memory://') return 'in-memory PGlite';
  if (url) {
    try {
      const u = new URL(url);
      return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
    } catch {
      return 'PostgreSQL';
    }
  }
  return `embedded PGlite in ${path.resolve(env.FLEET_DATA_DIR, 'pgdata')}`;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDbFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Db> {
  const cfg = readEnv(env);
  const db = await openDb({ databaseUrl: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, dataDir: cfg.FLEET_DATA_DIR });
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
