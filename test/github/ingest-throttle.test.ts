import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleetProbot } from '../../app/github/ingest/probot.js';
import { example, privateKey } from './helpers.js';
import { reactApp, startStandIn, until, type StandIn } from './ingestStandIn.js';

let gh: StandIn;
beforeAll(async () => {
  gh = await startStandIn();
});
afterAll(async () => {
  await gh?.close();
});

const comment = (installation: number, issue: number) => {
  const p = example<Record<string, unknown>>('issue_comment', 'created');
  (p.issue as { number: number }).number = issue;
  p.installation = { id: installation };
  return p;
};

// The throttling plugin queues writes one at a time per limiter id. Event clients must carry
// their installation as that id, or every installation's writes share one queue.
describe('GitHub clients of webhook events', () => {
  it("pace writes per installation: another installation's queued writes do not delay this one's", async () => {
    const probot = createFleetProbot({ appId: 123, privateKey: privateKey(), secret: 's', env: { GHE_HOST: gh.host, GHE_PROTOCOL: 'http' }, retry: { enabled: false } });
    await probot.load(reactApp);
    const reactions = (inst: number) => gh.requests.filter((r) => r.path.includes(`/issues/${inst}`) && r.path.endsWith('/reactions'));
    // Installation 21 queues eight writes (the plugin spaces writes a second apart per limiter)...
    const queued = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => probot.receive({ id: `thr-21-${n}`, name: 'issue_comment', payload: comment(21, 210 + n) } as never));
    await until(() => reactions(21).length >= 1, "installation 21's first write");
    // ...then installation 22 writes once: it goes out ahead of 21's queue (sharing one limiter,
    // it would go out after all eight).
    await probot.receive({ id: 'thr-22', name: 'issue_comment', payload: comment(22, 220) } as never);
    expect(reactions(22).filter((r) => r.answered)).toHaveLength(1);
    expect(reactions(21).length).toBeLessThan(8);
    await Promise.all(queued);
    expect(reactions(21).filter((r) => r.answered)).toHaveLength(8);
  });
});
