import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { LOG_REDACT, startOrchestrator } from './server.js';
import { ConfigError, readEnv, type Settings } from './config/env.js';
import { describeDb } from './store/openDb.js';
import { seedOnStart } from './seedOnStart.js';
import { orchestratorRoutes } from './routes.js';
import { githubAppSlot } from './github/ingest/mount.js';
import { describeError } from './core/describeError.js';

/**
 * `npm start`: the orchestrator on whatever the environment configures, or with nothing
 * configured, embedded PGlite under .fleet/ with the example plan seeded.
 */
/** In a terminal, people read the log: pino-pretty, in-process so nothing is lost on exit. Piped, JSON lines. */
function terminalLog(settings: Settings, colour: boolean): Logger | undefined {
  if (!process.stdout.isTTY) return undefined;
  const stream = pretty({ colorize: colour, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
  return pino({ level: settings.LOG_LEVEL, redact: LOG_REDACT }, stream);
}

/** The composition root: the one place the environment is read; everything else is given settings. */
async function main(env = process.env): Promise<void> {
  const settings = readEnv(env);
  const log = terminalLog(settings, !env.NO_COLOR);
  const github = githubAppSlot();
  const o = await startOrchestrator({ settings, github, onEngine: seedOnStart, routes: await orchestratorRoutes(settings, github), ...(log ? { log } : {}) });
  const where = o.adminTokenFile ? `admin token in ${o.adminTokenFile}` : 'admin token from FLEET_ADMIN_TOKEN';
  o.log.info({ url: o.url, db: describeDb(o.config), queue: o.engine.queueKind }, 'fleet orchestrator listening');
  console.log(`\nfleet orchestrator listening on ${o.url}  (${describeDb(o.config)}, ${o.engine.queueKind} ordering)`);
  console.log(`${where}. Try:`);
  console.log(`  curl -H "Authorization: Bearer $(cat ${o.adminTokenFile ?? '<token file>'})" ${o.url}/api/tasks\n`);
  if (!github.running) console.log(`No GitHub App configured yet: register one from app.yml at ${o.config.FLEET_PUBLIC_URL?.replace(/\/+$/, '') ?? o.url}/setup (or set APP_ID, PRIVATE_KEY, WEBHOOK_SECRET).\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    o.log.info({ signal }, 'draining: no new claims, finishing in-flight requests');
    const hard = setTimeout(() => {
      o.log.error('drain took over 10 s: exiting');
      process.exit(1);
    }, 10_000);
    hard.unref();
    await o.close();
    clearTimeout(hard);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  // A bad setting is one clear line; anything else keeps its message but never a token.
  console.error(err instanceof ConfigError ? err.message : `fleet orchestrator failed to start: ${describeError(err)}`);
  process.exit(1);
});
