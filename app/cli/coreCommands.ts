import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { openDbFromEnv } from '../store/openDb.js';
import { readEnv } from '../config/env.js';
import { migrate } from '../store/migrate.js';
import { openDb } from '../store/openDb.js';
import { mintAgentToken } from '../http/auth.js';

/** `fleet migrate` and `fleet agents token <name>`: the database and credentials. */
export function registerCoreCommands(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('apply pending schema migrations to DATABASE_URL (or the embedded database)')
    .action(async () => {
      const cfg = readEnv(io.env);
      const db = await openDb({ databaseUrl: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, dataDir: cfg.FLEET_DATA_DIR });
      try {
        const { applied } = await migrate(db);
        io.stdout(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'schema is up to date');
      } finally {
        await db.close();
      }
    });

  const agents = program.command('agents').description('manage agents');
  agents
    .command('token <name>')
    .description('mint a bearer token for an agent (created if new); only its hash is stored, so save it now')
    .option('--pool <pool>', 'the pool the agent belongs to')
    .action(async (name: string, opts: { pool?: string }) => {
      const db = await openDbFromEnv(io.env);
      try {
        const { token, agentId } = await mintAgentToken(db, name, opts.pool ? { pool: opts.pool } : {});
        io.stderr(`agent ${name} (id ${agentId}): token below, shown once`);
        io.stdout(token);
      } finally {
        await db.close();
      }
    });
}
