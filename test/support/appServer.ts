import { createHmac } from 'node:crypto';
import nock from 'nock';
import type { Logger } from 'pino';
import type { RouteModule } from '../../app/http/buildApi.js';
import { githubRoutes } from '../../app/github/ingest/mount.js';
import { privateKey } from '../github/helpers.js';
import { startTestServer, type TestServer } from './server.js';

/** GitHub's `X-Hub-Signature-256` of a webhook body under `secret`. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The real server with the GitHub App mounted as `npm start` mounts it (its webhook route takes
 * deliveries signed with `secret`), beside `routes`. GitHub is nock's alone while it runs; closing
 * it opens the network again.
 */
export async function startAppServer(label: string, secret: string, opts: { routes?: RouteModule[]; log?: Logger } = {}): Promise<TestServer> {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const settings = { appId: '1', privateKey: privateKey(), secret, orchestratorUrl: 'http://127.0.0.1:0' };
  const s = await startTestServer(label, { start: { routes: [githubRoutes(settings, {}), ...(opts.routes ?? [])], ...(opts.log ? { log: opts.log } : {}) } });
  return {
    ...s,
    async close() {
      await s.close();
      nock.cleanAll();
      nock.enableNetConnect();
    },
  };
}
