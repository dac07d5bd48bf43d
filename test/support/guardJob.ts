import pino from 'pino';
import type { Db } from '../../app/store/db.js';
import { Engine } from '../../app/engine/engine.js';
import { LocalEventBus } from '../../app/engine/events.js';
import { PostgresQueue } from '../../app/queue/postgresQueue.js';
import { createSqlPort } from '../../app/github/sqlPort.js';
import { engineHooks } from '../../app/github/engineHooks.js';
import { tokenClient } from '../../app/github/ingest/probot.js';
import { octokitGateway } from '../../app/github/gateway/octokitGateway.js';
import { installGuardRails } from '../../app/guards/guardsFor.js';
import { runGuardJob, type GuardJobDeps } from '../../app/guards/githubGuardJob.js';
import type { GuardRails } from '../../app/guards/guardRails.js';
import type { FleetPort } from '../../app/github/ports.js';

/** One round of the guard job, its GitHub writes through a real Octokit (so nock answers them and the global guard checks them). */
export function guardJob(d: Pick<GuardJobDeps, 'db' | 'guards' | 'port'>): () => ReturnType<typeof runGuardJob> {
  return () => runGuardJob({ ...d, log: pino({ level: 'silent' }), gateway: async (o, r) => octokitGateway(tokenClient('ghs_test'), o, r) });
}

/** An engine on a clock the test moves, the guard rails installed on it, the App's port and the guard job over them. */
export function guardRig(db: Db, now: () => number): { engine: Engine; guards: GuardRails; port: FleetPort; job: ReturnType<typeof guardJob> } {
  const engine = new Engine({ db, queue: new PostgresQueue(), events: new LocalEventBus(), now });
  const guards = installGuardRails({ db, engine, now });
  const port = createSqlPort(db, { engine: engineHooks(engine) });
  return { engine, guards, port, job: guardJob({ db, guards, port }) };
}
