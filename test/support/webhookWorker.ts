import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { openPgDb } from '../../app/store/pgDb.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { ConfigStore } from '../../app/github/config.js';
import { PermissionCache } from '../../app/github/commands/permissions.js';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { fleetApp } from '../../app/github/ingest/fleetApp.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { webhookRoute } from '../../app/github/ingest/webhookRoute.js';

/**
 * One orchestrator process for fault tests: the GitHub App's webhook path as app/github/mount.ts
 * wires it (signed delivery stored, then processed by Probot and the fleet handlers against
 * Postgres), on 127.0.0.1, talking to a stand-in GitHub through GHE_HOST / GHE_PROTOCOL.
 * Tests start it with tsx, kill it with SIGKILL, and start another on the same schema.
 *
 * Env: DATABASE_URL, FLEET_TEST_SCHEMA, GHE_HOST, GHE_PROTOCOL, APP_ID, PRIVATE_KEY, WEBHOOK_SECRET,
 * FLEET_CLAIM_TTL_MS (how soon another process takes over a dead one's deliveries).
 * Prints `{"port":N}` on stdout once it listens.
 */

const env = process.env;
const db = await openPgDb({ connectionString: env.DATABASE_URL!, schema: env.FLEET_TEST_SCHEMA });
const log = pino({ level: env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
const engine = new Engine({ db, queue: new PostgresQueue(), events: new LocalEventBus(), leaseTtlSeconds: 600, maxAttempts: 3 });
const probot = createFleetProbot({
  appId: env.APP_ID!,
  privateKey: env.PRIVATE_KEY!,
  secret: env.WEBHOOK_SECRET!,
  env: { GHE_HOST: env.GHE_HOST, GHE_PROTOCOL: env.GHE_PROTOCOL },
  log,
  // The stand-in does not rate-limit; pacing is not what this process is tested for.
  throttle: { enabled: false },
  retry: { enabled: false },
});
await probot.load(
  fleetApp({
    port: createSqlPort(db, { engine: engineHooks(engine) }),
    configs: new ConfigStore(),
    permissions: new PermissionCache(),
    orchestratorUrl: 'http://127.0.0.1:1',
  }),
);
const processor = new DeliveryProcessor({ db, probot, log, leaseMs: Number(env.FLEET_CLAIM_TTL_MS ?? 10_000), renewMs: 1_000, pollMs: 250 });
const route = webhookRoute({ db, secret: env.WEBHOOK_SECRET!, processor, log });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void route(Buffer.concat(chunks), req.headers).then(
      (a) => {
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(a.body));
      },
      () => {
        res.writeHead(503);
        res.end();
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
void processor.start();
