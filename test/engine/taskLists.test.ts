import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type EngineHarness } from '../support/engine.js';
import { insertProject } from '../support/fixtures.js';

/** Issue 13 (engine survivors): the task and assignment lists apply every filter they are given. */
describe('task and assignment lists', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('taskLists', 'postgres');
  });
  afterAll(() => h.cleanup());

  it('tasks by project, status, page; assignments by status', async () => {
    const a = await insertProject(h.t.db, [{ key: '1.1' }, { key: '1.2' }, { key: '1.3' }], 'acme/lists-a');
    await insertProject(h.t.db, [{ key: '1.1' }], 'acme/lists-b');
    await prime(h.engine);
    await h.engine.setStatus(a.ids.get('1.2')!, 'done', 'merged');
    const keys = (ts: { key: string }[]) => ts.map((t) => t.key);
    expect(await h.engine.listTasks()).toHaveLength(4);
    expect(keys(await h.engine.listTasks({ projectId: a.projectId }))).toEqual(['1.1', '1.2', '1.3']);
    expect(keys(await h.engine.listTasks({ projectId: a.projectId, status: 'done' }))).toEqual(['1.2']);
    expect(keys(await h.engine.listTasks({ projectId: a.projectId, limit: 1, offset: 1 }))).toEqual(['1.2']);

    const agent = await h.engine.heartbeatAgent({ name: 'lists-agent', capacity: 5 });
    const c1 = (await h.engine.claim(agent.id, { projectId: a.projectId }))!;
    const c2 = (await h.engine.claim(agent.id, { projectId: a.projectId }))!;
    await h.engine.releaseTask(c1.task.id, 'stopped', { countAttempt: false });
    expect((await h.engine.listAssignments({ agentId: agent.id, status: 'active' })).map((x) => x.id)).toEqual([c2.assignment.id]);
    expect(await h.engine.listAssignments({ agentId: agent.id })).toHaveLength(2);
    // Another agent's assignment, and one task's assignments.
    const other = await h.engine.heartbeatAgent({ name: 'lists-other' });
    const c3 = (await h.engine.claim(other.id, { projectId: a.projectId }))!;
    expect((await h.engine.listAssignments({ agentId: other.id })).map((x) => x.id)).toEqual([c3.assignment.id]);
    expect((await h.engine.listAssignments({ taskId: c1.task.id })).map((x) => x.id)).toEqual(
      (await h.engine.listAssignments({})).filter((x) => x.taskId === c1.task.id).map((x) => x.id),
    );
    expect((await h.engine.listAssignments({ taskId: c2.task.id })).map((x) => x.id)).toEqual([c2.assignment.id]);
  });
});
