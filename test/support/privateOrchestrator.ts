import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startOrchestrator, type Orchestrator } from '../../app/server.js';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './privateServices.js';

export interface PrivateOrchestrator {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  /** In this process, periodic rounds off: what the test does is all that happens. */
  o: Orchestrator;
  /** Resumes a paused Redis, closes the orchestrator, then stops and removes both services. */
  close(): Promise<void>;
}

/**
 * An orchestrator on a Postgres and a Redis of its own (test/support/privateServices.ts), so a
 * fault test can stop, pause or empty them; `env` adds to (or overrides) the base settings.
 */
export async function startPrivateOrchestrator(label: string, env: Record<string, string>): Promise<PrivateOrchestrator> {
  const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  const destroy = () => Promise.all([pg.destroy(), redis.destroy()]).then(() => undefined);
  let o: Orchestrator;
  try {
    o = await startOrchestrator({
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: pg.url,
        REDIS_URL: redis.url,
        FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), `fleet-${label}-`)),
        LOG_LEVEL: 'silent',
        ...env,
      },
      log: pino({ level: 'silent' }),
      periodic: false,
    });
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    pg,
    redis,
    o,
    async close() {
      redis.resume();
      await o.close();
      await destroy();
    },
  };
}
