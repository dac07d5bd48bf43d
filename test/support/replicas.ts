import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startOrchestrator, type Orchestrator } from '../../app/server.js';
import type { RouteModule } from '../../app/http/buildApi.js';
import { PG_URL } from './db.js';
import { REDIS_URL } from './redis.js';

export interface Replicas {
  a: Orchestrator;
  b: Orchestrator;
  /** The admin token both answer to. */
  admin: string;
  /** Drops the schema and the Redis keys, then stops both. */
  close(): Promise<void>;
}

/**
 * Two orchestrator processes' worth of servers on one PostgreSQL schema and one Redis (ready
 * index and event bus), as in a deployment with replicas. Periodic work is off: tests drive it.
 */
export async function startReplicas(label: string, opts: { routes?: () => RouteModule[]; admin?: string } = {}): Promise<Replicas> {
  const schema = `s_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = opts.admin ?? `admin-${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: PG_URL,
    DATABASE_SCHEMA: schema,
    REDIS_URL,
    REDIS_PREFIX: `test:${schema}:`,
    FLEET_ADMIN_TOKEN: admin,
    FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), `fleet-${label}-`)),
    LOG_LEVEL: 'silent',
    // As in test/support/server.ts: a failed or expired attempt is claimable again at once (backoff has its own tests).
    FLEET_RETRY_BACKOFF: 'false',
  };
  const log = pino({ level: 'silent' });
  const a = await startOrchestrator({ env, log, periodic: false, ...(opts.routes ? { routes: opts.routes() } : {}) });
  const b = await startOrchestrator({ env, log, periodic: false, ...(opts.routes ? { routes: opts.routes() } : {}) }).catch(async (err) => {
    await a.close();
    throw err;
  });
  return {
    a,
    b,
    admin,
    async close() {
      const keys = await a.redis!.keys(`test:${schema}:*`);
      if (keys.length) await a.redis!.del(...keys);
      await a.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await b.close();
      await a.close();
    },
  };
}
