import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { insertProject } from '../support/fixtures.js';
import { createOrchestratorClient } from '../../action/src/orchestratorClient.js';
import type { Clock } from '../../action/src/clock.js';

const noSleep: Clock = { now: () => 0, sleep: async () => undefined };

/** The Action's claim when the answer is lost after the orchestrator committed it. */
describe('the Action retries a claim whose answer was lost', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('action_retry', { redis: true });
    await insertProject(s.o.db, [{ key: '1.1', cp: 9 }, { key: '1.2', cp: 5 }], 'acme/action-retry');
    await s.o.engine.refreshAll();
    await s.o.engine.rebuildQueue();
  });
  afterAll(() => s.close());

  it('gets the same assignment back, and holds only that one', async () => {
    const sent: { key: string | null }[] = [];
    let dropped = false;
    const client = createOrchestratorClient({
      baseUrl: s.url,
      token: async () => s.admin,
      clock: noSleep,
      fetch: (async (url: string, init: RequestInit) => {
        const res = await fetch(url, init);
        if (url.endsWith('/api/assignments/claim')) {
          sent.push({ key: new Headers(init.headers).get('idempotency-key') });
          if (!dropped) {
            // The orchestrator committed the claim; the connection drops before the answer arrives.
            dropped = true;
            await res.text();
            throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
          }
        }
        return res;
      }) as typeof fetch,
    });
    const c = await client.claim({ pool: 'retry-pool' });
    expect(c?.task.key).toBe('1.1');
    expect(sent).toHaveLength(2);
    expect(sent[0]!.key).toMatch(/^[\x21-\x7e]{8,}$/);
    expect(sent[1]!.key).toBe(sent[0]!.key);
    const { rows } = await s.o.db.query<{ id: number }>(
      `SELECT a.id FROM assignments a JOIN agents g ON g.id = a.agent_id WHERE g.name = 'pool/retry-pool' AND a.status = 'active'`,
    );
    expect(rows.map((r) => r.id)).toEqual([c!.assignment.id]);
  });
});
