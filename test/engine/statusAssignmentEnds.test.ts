import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';
import type { TaskStatus } from '../../app/core/taskStatus.js';

/**
 * Issue 13 (engine survivors): how each status a leased task is moved to ends its live
 * assignment (app/engine/status.ts, defaultAssignmentEnd).
 */
describe('a status change ends the live assignment as the target says', () => {
  let h: EngineHarness;
  let seq = 0;
  beforeAll(async () => {
    h = await engineHarness('statusAssignmentEnds', 'postgres');
  });
  afterAll(() => h.cleanup());

  const cases: [TaskStatus, string][] = [
    ['cancelled', 'cancelled'],
    ['pending', 'released'],
    ['failed', 'released'],
    ['done', 'completed'],
    ['in_review', 'completed'],
    ['in_progress', 'active'],
  ];
  it.each(cases)('moved to %s: the assignment is %s', async (to, expected) => {
    const p = await insertProject(h.t.db, [{ key: '1.1' }], `acme/ends-${++seq}`);
    await prime(h.engine);
    const agent = await h.engine.heartbeatAgent({ name: `ends-agent-${seq}` });
    const c = (await h.engine.claim(agent.id, { projectId: p.projectId }))!;
    const r = await h.engine.moveTask(c.task.id, to, `moved to ${to}`);
    expect(r.changed).toBe(true);
    expect((await h.engine.getAssignment(c.assignment.id)).status).toBe(expected);
  });
});
