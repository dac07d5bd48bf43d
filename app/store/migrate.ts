import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db, Queryable } from './db.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../schema/migrations/', import.meta.url));

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/**
 * The database and this code's migrations disagree: a file changed after it was applied, or the
 * database has migrations this code does not know (it was migrated by a newer release). Starting
 * anyway would run code against a schema it was not written for, so the runner stops instead.
 */
export class MigrationMismatchError extends Error {
  override name = 'MigrationMismatchError';
  constructor(
    message: string,
    /** The migration file (or the database's record of one) the refusal is about. */
    readonly file: string,
  ) {
    super(message);
  }
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

/**
 * sha256 of a migration's text with line endings made \n: a checkout that turns them into \r\n
 * (git autocrlf) is the same migration, any other edit is not.
 */
function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n?/g, '\n')).digest('hex');
}

// Same key for every process migrating the same schema, different keys for different schemas,
// so parallel test files in their own schemas do not queue behind each other.
const LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('fleet_migrate:' || current_schema()))`;

interface AppliedRow {
  id: number;
  name: string;
  checksum: string | null;
}

/**
 * Compares what the database has applied with the files: refuses a database migrated by newer
 * code and a file edited after it was applied, and records the checksum of rows applied before
 * checksums existed (trusting the file as it is now, the only record there is). Returns the
 * names whose checksum it recorded.
 */
async function verifyApplied(tx: Queryable, list: Migration[]): Promise<string[]> {
  const { rows } = await tx.query<AppliedRow>('SELECT id, name, checksum FROM fleet_migrations ORDER BY id');
  const byId = new Map(list.map((m) => [m.id, m]));
  const newest = list.at(-1);
  const unknown = rows.filter((r) => !byId.has(Number(r.id)));
  if (unknown.length) {
    const ahead = unknown.filter((r) => Number(r.id) > (newest?.id ?? 0));
    const names = unknown.map((r) => r.name).join(', ');
    throw new MigrationMismatchError(
      ahead.length
        ? `the database is newer than this code: it has migration(s) ${names} applied, and this code's newest is ${newest?.name ?? '(none)'}. ` +
            'Run the release that applied them (or newer); an older release would run against a schema it was not written for'
        : `the database has migration(s) ${names} applied whose file is missing from ${MIGRATIONS_DIR}: migrations are append-only, restore the file`,
      unknown[0]!.name,
    );
  }
  const recorded: string[] = [];
  for (const r of rows) {
    const m = byId.get(Number(r.id))!;
    const sum = migrationChecksum(m.sql);
    if (r.checksum === null) {
      await tx.query('UPDATE fleet_migrations SET checksum = $2 WHERE id = $1 AND checksum IS NULL', [m.id, sum]);
      recorded.push(m.name);
    } else if (r.checksum !== sum) {
      const renamed = r.name !== m.name ? ` (it was applied as ${r.name})` : '';
      throw new MigrationMismatchError(
        `migration ${m.name} changed after it was applied to this database${renamed}: its sha256 was ${r.checksum.slice(0, 12)}…, the file's is now ${sum.slice(0, 12)}…. ` +
          'Applied migrations are append-only: restore the file and put the change in a new migration',
        m.name,
      );
    }
  }
  return recorded;
}

/**
 * Applies pending migrations, each in its own transaction that first takes a transaction-scoped
 * advisory lock: two servers starting together apply each file exactly once. Before anything is
 * applied, the files already applied are checked against their recorded checksums.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<{ applied: string[]; checksumsRecorded: string[] }> {
  const list = migrations ?? (await loadMigrations());
  const checksumsRecorded = await db.transaction(async (tx) => {
    await tx.query(LOCK_SQL);
    await tx.query(`CREATE TABLE IF NOT EXISTS fleet_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    // Databases migrated before checksums existed get the column here and their checksums below.
    await tx.query('ALTER TABLE fleet_migrations ADD COLUMN IF NOT EXISTS checksum text');
    return verifyApplied(tx, list);
  });
  const applied: string[] = [];
  for (const m of list) {
    const did = await db.transaction(async (tx) => {
      await tx.query(LOCK_SQL);
      const seen = await tx.query('SELECT 1 FROM fleet_migrations WHERE id = $1', [m.id]);
      if (seen.rowCount > 0) return false;
      // Migration files are trusted repository content; they run as scripts of several statements.
      await tx.exec(m.sql);
      await tx.query('INSERT INTO fleet_migrations (id, name, checksum) VALUES ($1, $2, $3)', [m.id, m.name, migrationChecksum(m.sql)]);
      return true;
    });
    if (did) applied.push(m.name);
  }
  return { applied, checksumsRecorded };
}
