import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliExit, type CliIo } from './io.js';
import { createFleetProbot, installationClient, tokenClient } from '../github/ingest/probot.js';
import { formatSyncReport, syncPlan } from '../github/planSync/index.js';
import { loadPlanParser, parseWith, planHooks } from '../github/planSync/planHooks.js';
import { reconcile } from '../github/reconcile.js';
import type { GitHubClient } from '../github/types.js';
import type { FleetPort } from '../github/ports.js';
import type { Db } from '../store/db.js';
import { describeError } from '../core/describeError.js';

/**
 * `fleet sync <plan> --repo owner/repo [--dry-run]` and `fleet reconcile --repo owner/repo`.
 * Credentials: GITHUB_TOKEN, else the app's APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH.
 * GHE_HOST / GHE_PROTOCOL select a GitHub Enterprise Server.
 */

function parseRepo(s: string | undefined): { owner: string; repo: string } {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(s ?? '');
  if (!m) throw new CliExit(`--repo must be owner/repo, got ${JSON.stringify(s ?? '')}`, 2);
  return { owner: m[1]!, repo: m[2]! };
}

async function githubClient(io: CliIo, owner: string, repo: string): Promise<GitHubClient> {
  const env = io.env;
  const token = env.GITHUB_TOKEN?.trim() || env.GH_TOKEN?.trim();
  if (token) return tokenClient(token, env);
  const appId = env.APP_ID?.trim();
  let key = env.PRIVATE_KEY?.replace(/\\n/g, '\n');
  if (!key && env.PRIVATE_KEY_PATH) {
    try {
      key = await readFile(env.PRIVATE_KEY_PATH, 'utf8');
    } catch {
      throw new CliExit(`cannot read PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH}`, 2);
    }
  }
  if (!appId || !key) throw new CliExit('no GitHub credentials: set GITHUB_TOKEN, or APP_ID with PRIVATE_KEY or PRIVATE_KEY_PATH', 2);
  const probot = createFleetProbot({ appId, privateKey: key, secret: env.WEBHOOK_SECRET ?? 'unused-by-the-cli', env });
  try {
    return (await installationClient(probot, owner, repo)).gh;
  } catch (err) {
    throw new CliExit(`the app is not installed on ${owner}/${repo} or its credentials are wrong (${describeError(err)})`, 1);
  }
}

/** The database and a port over the real engine, for the commands that write tasks. */
async function openPort(io: CliIo): Promise<{ db: Db; port: FleetPort }> {
  const { openDbFromEnv } = await import('../store/openDb.js');
  const { Engine } = await import('../engine/engine.js');
  const { PostgresQueue } = await import('../queue/postgresQueue.js');
  const { LocalEventBus } = await import('../engine/events.js');
  const { createSqlPort } = await import('../github/sqlPort.js');
  const { engineHooks } = await import('../github/engineHooks.js');
  const db = await openDbFromEnv(io.env);
  const engine = new Engine({ db, queue: new PostgresQueue(), events: new LocalEventBus() });
  return { db, port: createSqlPort(db, { engine: engineHooks(engine) }) };
}

export function registerGithubCommands(program: Command, io: CliIo): void {
  program
    .command('sync <plan>')
    .description('create and update one GitHub issue per epic and task of the plan (never closes or deletes)')
    .requiredOption('--repo <owner/repo>', 'the repository to sync into')
    .option('--dry-run', 'print the plan of changes and write nothing')
    .option('--no-blocked-by', 'do not add GitHub "blocked by" relationships')
    .option('--no-db', 'do not write tasks and issue numbers to the database')
    .action(async (file: string, opts: { repo: string; dryRun?: boolean; blockedBy: boolean; db: boolean }) => {
      const { owner, repo } = parseRepo(opts.repo);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new CliExit(`${file}: cannot read the file`, 2);
      }
      const parse = await loadPlanParser();
      if (!parse) throw new CliExit('the plan parser (app/plan/parse/parsePlan) is not available in this build', 1);
      const parsed = parseWith(parse, text);
      if (!parsed.plan) throw new CliExit(parsed.errors.map((e) => `${file}:${e.line}: ${e.message}`).join('\n'), 1);
      const gh = await githubClient(io, owner, repo);
      const report = await syncPlan(gh, owner, repo, parsed.plan, { dryRun: !!opts.dryRun, blockedBy: opts.blockedBy });
      if (!opts.dryRun && opts.db) {
        const { db, port } = await openPort(io);
        try {
          const project = await port.ensureProject({ owner, repo });
          // Agents are told where their task's text came from: this file, by its content hash (no commit: a local file).
          const seeded = await planHooks(db, parse).seed(project.id, parsed.plan, { path: file, text });
          const { linkNumbers } = await import('../github/handlers/push.js');
          await linkNumbers({ deps: { port } as never, project }, report);
          await port.refreshTasks(seeded.taskIds);
        } finally {
          await db.close();
        }
      }
      io.stdout(formatSyncReport(report));
      if (report.errors.length) throw new CliExit('', 1);
    });

  program
    .command('reconcile')
    .description('read open task issues and their PRs (GraphQL, in batches) and repair what lost webhooks left wrong')
    .requiredOption('--repo <owner/repo>', 'the repository to reconcile')
    .option('--dry-run', 'print the repairs without making them')
    .action(async (opts: { repo: string; dryRun?: boolean }) => {
      const { owner, repo } = parseRepo(opts.repo);
      const gh = await githubClient(io, owner, repo);
      const { db, port } = await openPort(io);
      try {
        const project = await port.findProject(owner, repo);
        if (!project) throw new CliExit(`${owner}/${repo} has no tasks in this database (run fleet sync or fleet seed first)`, 1);
        const r = await reconcile(gh, port, project, { dryRun: !!opts.dryRun });
        io.stdout(`checked ${r.checked} open task(s) in ${r.graphqlCalls} GraphQL request(s); ${opts.dryRun ? 'would repair' : 'repaired'} ${r.repaired.length}`);
        for (const x of r.repaired) io.stdout(`  ${x.key}: ${x.from} → ${x.to} (${x.why})`);
        for (const e of r.errors) io.stderr(`  x ${e}`);
        if (r.errors.length) throw new CliExit('', 1);
      } finally {
        await db.close();
      }
    });
}
