import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nock from 'nock';
import { freshDb, type TestDb } from '../support/db.js';
import { runLifecycle } from './lifecycle.js';
import { planOf } from '../support/plans.js';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb('gh_lifecycle');
  nock.disableNetConnect();
});
afterAll(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await t?.cleanup();
});

export const LIFECYCLE_PLAN = planOf({
  epics: [
    { key: '1', title: 'Foundations', dependsOn: [] },
    { key: '2', title: 'Features', dependsOn: ['epic:1@50'] },
  ],
  tasks: [
    { key: '1.1', epic: '1', title: 'Schema', hours: 4, dependsOn: [] },
    { key: '1.2', epic: '1', title: 'Store', hours: 2, dependsOn: ['1.1'] },
    { key: '1.3', epic: '1', title: 'Migrations', hours: 3, dependsOn: ['1.1'] },
    { key: '2.1', epic: '2', title: 'API', hours: 5, dependsOn: [] },
  ],
});

describe('full lifecycle', () => {
  it('plan synced → dispatched → PR → checks → merged → done → dependents dispatched, to the end of the plan', async () => {
    const r = await runLifecycle(t.db, LIFECYCLE_PLAN, { capacity: 2 });
    for (const s of r.scopes) expect(s.isDone()).toBe(true);
    expect(r.statuses).toEqual({ '1.1': 'done', '1.2': 'done', '1.3': 'done', '2.1': 'done' });
    // 1.1 alone first; its dependents only after it merged; epic 2 only once epic 1 is half done
    expect(r.dispatchOrder[0]).toBe('1.1');
    expect(new Set(r.dispatchOrder.slice(1, 3))).toEqual(new Set(['1.2', '1.3']));
    expect(r.dispatchOrder[3]).toBe('2.1');
    expect(r.calls.get('POST /repos/{o}/{r}/issues')).toBe(6);
    expect(r.calls.get('POST /repos/{o}/{r}/actions/workflows/{wf}/dispatches')).toBe(4);
    expect(r.relations).toEqual({ subIssues: 4, blockedBy: 2 });
    expect(r.calls.get('POST /graphql')).toBe(1);
    const ev = await t.db.query<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM evidence GROUP BY type ORDER BY type');
    expect(Object.fromEntries(ev.rows.map((x) => [x.type, x.n]))).toMatchObject({ dispatch: 4, merge: 4, pr: 4, check: 8, workflow_run: 8 });
  });
});
