import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startOrchestrator, type Orchestrator, type StartOptions } from '../../app/server.js';
import { PG_URL, postgresReachable } from './db.js';
import { REDIS_URL } from './redis.js';

export interface TestServer {
  o: Orchestrator;
  url: string;
  admin: string;
  /** fetch against the server with the admin token unless `token` says otherwise (null = none). */
  call(method: string, p: string, body?: unknown, token?: string | null, extraHeaders?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  close(): Promise<void>;
}

/**
 * A real orchestrator on an ephemeral port: its own schema in the real PostgreSQL (or an
 * in-memory PGlite without one), Redis ordering when asked.
 */
export async function startTestServer(label: string, opts: { redis?: boolean; env?: Record<string, string>; start?: Partial<StartOptions> } = {}): Promise<TestServer> {
  const schema = `s_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = `admin-${randomBytes(16).toString('hex')}`;
  const pg = await postgresReachable();
  const env: NodeJS.ProcessEnv = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: pg ? PG_URL : 'memory://',
    ...(pg ? { DATABASE_SCHEMA: schema } : {}),
    FLEET_ADMIN_TOKEN: admin,
    FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'fleet-test-')),
    LOG_LEVEL: 'silent',
    // Issue 15's retry backoff holds a failed task for minutes; a test that exercises it sets this to true.
    FLEET_RETRY_BACKOFF: 'false',
    ...(opts.redis ? { REDIS_URL, REDIS_PREFIX: `test:${schema}:` } : {}),
    ...opts.env,
  };
  const o = await startOrchestrator({ env, log: pino({ level: 'silent' }), periodic: false, ...opts.start });
  const call = async (method: string, p: string, body?: unknown, token: string | null = admin, extraHeaders: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...extraHeaders };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(o.url + p, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text };
  };
  return {
    o,
    url: o.url,
    admin,
    call,
    async close() {
      const db = o.db;
      const redis = o.redis;
      if (redis) {
        const keys = await redis.keys(`test:${schema}:*`);
        if (keys.length) await redis.del(...keys);
      }
      if (pg) {
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
      }
      await o.close();
    },
  };
}
