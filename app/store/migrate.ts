import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './db.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../schema/migrations/', import.meta.url));

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** Reads `NNNN_name.sql` files in numeric order; anything else in the folder is an error, not a silent skip. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`${path.join(dir, file)}: migration files are named NNNN_name.sql (e.g. 0002_add_index.sql)`);
    const id = Number(m[1]);
    if (out.some((x) => x.id === id)) throw new Error(`${path.join(dir, file)}: duplicate migration number ${m[1]}`);
    out.push({ id, name: file, sql: await readFile(path.join(dir, file), 'utf8') });
  }
  return out;
}

// Same key for every process migrating the same schema, different keys for different schemas,
// so parallel test files in their own schemas do not queue behind each other.
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('fleet_migrate:' || current_schema()))`;

/**
 * Applies pending migrations, each in its own transaction that first takes a transaction-scoped
 * advisory lock: two servers starting together apply each file exactly once.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<{ applied: string[] }> {
  const list = migrations ?? (await loadMigrations());
  await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    await tx.query(`CREATE TABLE IF NOT EXISTS fleet_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: string[] = [];
  for (const m of list) {
    const did = await db.transaction(async (tx) => {
      await tx.query(LOCK_SQL);
      const seen = await tx.query('SELECT 1 FROM fleet_migrations WHERE id = $1', [m.id]);
      if (seen.rowCount > 0) return false;
      // Migration files are trusted repository content; they run as scripts of several statements.
      await tx.exec(m.sql);
      await tx.query('INSERT INTO fleet_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      return true;
    });
    if (did) applied.push(m.name);
  }
  return { applied };
}
