import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import WebSocket from 'ws';
import { startOrchestrator, type Orchestrator } from '../../app/server.js';
import { PG_URL } from '../support/db.js';
import { REDIS_URL } from '../support/redis.js';
import { insertProject } from '../support/fixtures.js';
import { eventually } from '../support/eventually.js';

// Two orchestrator processes on one PostgreSQL and one Redis, as in a deployment with replicas.
describe('several orchestrator processes', () => {
  const schema = `s_multi_${randomBytes(4).toString('hex')}`;
  const admin = `admin-${randomBytes(16).toString('hex')}`;
  let a: Orchestrator;
  let b: Orchestrator;
  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: PG_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_PREFIX: `test:${schema}:`,
      FLEET_ADMIN_TOKEN: admin,
      FLEET_DATA_DIR: await mkdtemp(path.join(tmpdir(), 'fleet-multi-')),
      LOG_LEVEL: 'silent',
    };
    const log = pino({ level: 'silent' });
    a = await startOrchestrator({ env, log, periodic: false });
    b = await startOrchestrator({ env, log, periodic: false });
    await insertProject(a.db, Array.from({ length: 60 }, (_, i) => ({ key: `1.${i + 1}` })), 'acme/multi');
    await a.engine.refreshAll();
    await a.engine.rebuildQueue();
  });
  afterAll(async () => {
    const keys = await a.redis!.keys(`test:${schema}:*`);
    if (keys.length) await a.redis!.del(...keys);
    await a.db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await b.close();
    await a.close();
  });

  const claim = async (o: Orchestrator, pool: string) => {
    const r = await fetch(`${o.url}/api/assignments/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pool }),
    });
    return r.status === 200 ? ((await r.json()) as { task: { key: string } }).task.key : null;
  };

  it('hands each task out once across both, and fans events out to clients of the other', async () => {
    const ws = new WebSocket(b.url.replace('http', 'ws') + '/ws', ['fleet.v1', `bearer.${admin}`]);
    const seen: { type: string; data: { key?: string } }[] = [];
    ws.on('message', (m) => seen.push(JSON.parse(String(m))));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    // The app's pool agents on both processes claim at once; each has room for all 60 tasks.
    await a.engine.poolAgent({ name: 'multi', capacity: 100 });
    const keys = (await Promise.all(Array.from({ length: 80 }, (_, i) => claim(i % 2 ? a : b, 'multi')))).filter((k): k is string => k !== null);
    expect(keys).toHaveLength(60);
    expect(new Set(keys).size).toBe(60);
    // Claims made through process A reach a WebSocket client of process B through Redis.
    await eventually(() => {
      const created = seen.filter((e) => e.type === 'assignment.created').map((e) => e.data.key);
      expect(new Set(created).size).toBe(60);
      expect(created).toHaveLength(60);
    });
    ws.close();
  });
});
