import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { freshDb, type TestDb } from '../support/db.js';
import { guardRig } from '../support/guardJob.js';
import { API, OWNER, REPO } from '../github/helpers.js';
import { seedPlanRows } from '../../app/plan/seedPlan.js';

/**
 * Issue 15: "a comment on the plan's tracking issue says what happened" when a pool's circuit
 * opens. The plan sync keeps no summary issue, so the tracking issue is the issue of the plan's
 * first epic in plan-file order, not the first one made; without any epic issue nothing is posted
 * (the circuit still shows in the guard view). Requests in nock, checked against GitHub's API
 * description by the global guard; an unexpected one fails the test.
 */
describe("the plan's tracking issue", () => {
  let t: TestDb;
  const now = Date.UTC(2026, 10, 29, 9, 0, 0);
  const repoPath = `/repos/${OWNER}/${REPO}`;
  beforeAll(async () => {
    t = await freshDb('tracking_issue', { backend: 'postgres' });
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  // Every mock set up here must be called: the global guard (test/support/githubGuard.ts) checks that after each test.

  async function setup(name: string) {
    const { guards, job } = guardRig(t.db, () => now);
    const [owner, repo] = name.split('/');
    const p = await t.db.query<{ id: number }>(`INSERT INTO projects (owner, repo, installation_id, circuit_breaker) VALUES ($1, $2, 77, '{"failures": 2}'::jsonb) RETURNING id`, [owner, repo]);
    const projectId = Number(p.rows[0]!.id);
    const open = async (pool: string) => {
      await guards.recordEnding(projectId, pool, 'agent_error');
      expect(await guards.recordEnding(projectId, pool, 'rate_limited')).toMatch(/circuit opened/);
    };
    return { projectId, guards, job, open };
  }

  it("posts on the issue of the plan's first epic in plan order, also when that epic was added above the others later", async () => {
    const { projectId, job, open } = await setup(`${OWNER}/${REPO}`);
    const task = (key: string, epic: string, line: number) => ({ key, epic, title: `Task ${key}`, hours: 2, dependsOn: [], line });
    // The first version of the plan: epic B, synced to issue #10.
    await seedPlanRows(t.db, projectId, { epics: [{ key: 'B', title: 'Build', dependsOn: [], line: 1 }], tasks: [task('B.1', 'B', 2)] } as never);
    await t.db.query(`UPDATE epics SET issue_number = 10 WHERE project_id = $1 AND key = 'B'`, [projectId]);
    // The next version puts epic A at the top (issue #11): it is made after B, but heads the plan.
    await seedPlanRows(t.db, projectId, {
      epics: [
        { key: 'A', title: 'Architecture', dependsOn: [], line: 1 },
        { key: 'B', title: 'Build', dependsOn: [], line: 10 },
      ],
      tasks: [task('A.1', 'A', 2), task('B.1', 'B', 11)],
    } as never);
    await t.db.query(`UPDATE epics SET issue_number = 11 WHERE project_id = $1 AND key = 'A'`, [projectId]);
    const ids = await t.db.query<{ key: string; id: number }>(`SELECT key, id FROM epics WHERE project_id = $1 ORDER BY id`, [projectId]);
    expect(ids.rows.map((r) => r.key)).toEqual(['B', 'A']);

    await open('gpu');
    const comment = nock(API)
      .post(`${repoPath}/issues/11/comments`, (b: { body: string }) => b.body.startsWith('Pool `gpu`: circuit opened after 2 failed runs in a row (last: the model API rate-limited or was overloaded)'))
      .reply(201, { id: 1 });
    expect(await job()).toEqual({ cancelled: 0, notices: 1, labelled: 0 });
    expect(comment.isDone()).toBe(true);
    // Once: the next round posts nothing (nock refuses any request).
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 0 });
  });

  it('without any epic issue posts nothing; the open circuit still shows in the guard view', async () => {
    const { projectId, guards, job, open } = await setup('acme/no-issues');
    await seedPlanRows(t.db, projectId, { epics: [{ key: 'A', title: 'Architecture', dependsOn: [], line: 1 }], tasks: [{ key: 'A.1', epic: 'A', title: 'x', hours: 1, dependsOn: [], line: 2 }] } as never);
    await open('cpu');
    expect(await job()).toEqual({ cancelled: 0, notices: 0, labelled: 0 });
    const notice = await t.db.query<{ pending_notice: string | null }>('SELECT pending_notice FROM pool_circuits WHERE project_id = $1', [projectId]);
    expect(notice.rows[0]!.pending_notice).toBeNull();
    expect(await guards.circuits(projectId)).toEqual([expect.objectContaining({ pool: 'cpu', status: 'open', open_until: new Date(now + 10 * 60_000).toISOString() })]);
  });
});
