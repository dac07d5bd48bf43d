import type { Command } from 'commander';
import { CliExit, type CliIo } from './io.js';
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
    .option('--project <owner/repo>', 'the one project the token may act in (claims, reports, evidence); default: every project')
    .option('--labels <a,b>', 'the capability labels the agent claims with (the agent cannot change them)')
    .option('--capacity <n>', 'how many tasks the agent may hold at once, 1 to 1000 (the agent cannot raise it)')
    .action(async (name: string, opts: { pool?: string; project?: string; labels?: string; capacity?: string }) => {
      const capacity = opts.capacity === undefined ? undefined : Number(opts.capacity);
      if (capacity !== undefined && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1000))
        throw new CliExit(`--capacity: expected a whole number from 1 to 1000, got "${opts.capacity}"`, 2);
      const labels = opts.labels === undefined ? undefined : opts.labels.split(',').map((l) => l.trim()).filter(Boolean);
      if (labels?.some((l) => !/^[\w./:-]{1,100}$/.test(l)))
        throw new CliExit(`--labels: expected comma-separated labels of letters, digits and . _ - / :, got "${opts.labels}"`, 2);
      if (opts.project !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(opts.project))
        throw new CliExit(`--project: expected owner/repo, got "${opts.project}"`, 2);
      const db = await openDbFromEnv(io.env);
      try {
        const { token, agentId } = await mintAgentToken(db, name, {
          ...(opts.pool ? { pool: opts.pool } : {}),
          ...(opts.project ? { project: opts.project } : {}),
          ...(labels ? { labels } : {}),
          ...(capacity !== undefined ? { capacity } : {}),
        });
        io.stderr(`agent ${name} (id ${agentId})${opts.project ? `, limited to ${opts.project}` : ''}: token below, shown once`);
        io.stdout(token);
      } finally {
        await db.close();
      }
    });
}
