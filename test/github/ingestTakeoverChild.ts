// A processor in a process of its own, for the takeover test: it claims deliveries, its handlers
// block on a stand-in GitHub that never answers, and the test kills it with SIGKILL.
import { openPgDb } from '../../app/store/pgDb.js';
import { DeliveryProcessor } from '../../app/github/ingest/deliveryProcessor.js';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { reactApp } from './ingestStandIn.js';

const env = process.env;
const db = await openPgDb({ connectionString: env.TAKEOVER_PG_URL!, schema: env.TAKEOVER_SCHEMA! });
const probot = createFleetProbot({
  appId: 123,
  privateKey: env.TAKEOVER_KEY!,
  secret: 'unused-here',
  env: { GHE_HOST: env.TAKEOVER_GHE_HOST!, GHE_PROTOCOL: 'http' },
  retry: { enabled: false },
});
await probot.load(reactApp);
const processor = new DeliveryProcessor({ db, probot, pollMs: 200, concurrency: 4 });
process.stdout.write(`owner ${processor.owner}\n`);
await processor.start();
