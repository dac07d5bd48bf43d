import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineHarness, prime, type Backend, type EngineHarness } from '../support/engine.js';
import { insertProject, type FixtureTask } from '../support/fixtures.js';

type Mode = 'avoid' | 'forbid' | 'ignore';

// Issue 14, parallel work that does not collide: one contract, both ordering backends.
describe.each(['postgres', 'redis'] as Backend[])('conflict-aware claims on %s', (backend) => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await engineHarness('conflicts', backend);
  });
  afterAll(() => h.cleanup());

  const agent = (name: string) => h.engine.heartbeatAgent({ name: `${backend}-${name}`, capacity: 10 });

  /** A project whose tasks name files; `mode` null leaves scheduling.conflicts unset (the default, avoid). */
  async function project(name: string, tasks: (FixtureTask & { files: string[] })[], mode: Mode | null) {
    const { projectId, ids } = await insertProject(h.t.db, tasks, `${name}/${backend}`);
    for (const t of tasks) await h.t.db.query('UPDATE tasks SET plan_footprint = $2, footprint = $2 WHERE id = $1', [ids.get(t.key), t.files]);
    if (mode) await h.t.db.query('UPDATE projects SET conflict_mode = $2 WHERE id = $1', [projectId, mode]);
    await prime(h.engine);
    return projectId;
  }

  // A and B share app/a.ts; B outranks C (longer remaining path); B has slack: waiting for A costs
  // no finish date (its path 20 h + A's 8 h left stays under the project's 30 h path).
  const abc = [
    { key: '1.1', cp: 30, hours: 8, files: ['app/a.ts'] },
    { key: '1.2', cp: 20, hours: 8, files: ['app/a.ts', 'app/b.ts'] },
    { key: '1.3', cp: 10, hours: 8, files: ['app/c.ts'] },
  ];

  // First: a claim without a project sees every project's ready tasks, so none may be left over yet.
  it('chooses per project when a claim names none', async () => {
    const p1 = await project('multi-a', abc, null);
    const p2 = await project('multi-b', [{ key: '1.1', cp: 5, hours: 8, files: ['app/a.ts'] }], null);
    const [one, two] = [await agent('multi-1'), await agent('multi-2')];
    expect((await h.engine.claim(one.id, { projectId: p1 }))?.task.key).toBe('1.1');
    // Without a project: B (p1) collides with A and waits; p1's C (10 h) outranks p2's task (5 h),
    // and p2's app/a.ts is another repository's file, so it does not collide with A.
    const got = await h.engine.claim(two.id);
    expect([got?.task.projectId, got?.task.key]).toEqual([p1, '1.3']);
    const next = await h.engine.claim(two.id);
    expect([next?.task.projectId, next?.task.key]).toEqual([p2, '1.1']);
  });

  it('by default the agent claiming after A gets C, not B; B waits while A holds its file', async () => {
    const projectId = await project('avoid', abc, null);
    const [one, two] = [await agent('avoid-1'), await agent('avoid-2')];
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.3');
    // Only B is left and it collides: "nothing ready" rather than two agents on app/a.ts.
    expect(await h.engine.claim(two.id, { projectId })).toBeNull();
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toEqual(['1.2']);
    // A goes back (released): nothing under way touches app/a.ts any more, so B is handed out.
    await h.engine.releaseTask((await h.engine.getTask('1.1', projectId)).id, 'test', { countAttempt: false });
    await h.engine.releaseTask((await h.engine.getTask('1.3', projectId)).id, 'test', { countAttempt: false });
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.1');
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.3');
  });

  it('ignore keeps queue order: the agent claiming after A gets B', async () => {
    const projectId = await project('ignore', abc, 'ignore');
    const [one, two] = [await agent('ignore-1'), await agent('ignore-2')];
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.2');
  });

  it('counts a task in review with an open PR as holding its files, and its PR files as its footprint', async () => {
    const projectId = await project('review', [
      { key: '1.1', cp: 30, hours: 8, files: [] },
      { key: '1.2', cp: 20, hours: 8, files: ['app/b.ts'] },
      { key: '1.3', cp: 10, hours: 8, files: ['app/c.ts'] },
    ], null);
    const a = (await h.engine.getTask('1.1', projectId)).id;
    // A's PR is open and changed app/b.ts, a file the plan did not name for it.
    await h.t.db.query(`UPDATE tasks SET status = 'in_review', pr_number = 41, pr_files = '{app/b.ts}', footprint = '{app/b.ts}' WHERE id = $1`, [a]);
    await prime(h.engine);
    const one = await agent('review-1');
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.3');
  });

  // On the critical path B cannot wait without moving the finish date (its 29 h path plus A's 8 h
  // left exceed A's 30 h): avoid hands it out all the same, forbid never does.
  const critical = [
    { key: '1.1', cp: 30, hours: 8, files: ['app/a.ts'] },
    { key: '1.2', cp: 29, hours: 8, files: ['app/a.ts'] },
    { key: '1.3', cp: 10, hours: 8, files: ['app/c.ts'] },
  ];

  it('avoid still co-schedules an overlapping task that is on the critical path', async () => {
    const projectId = await project('critical', critical, 'avoid');
    const [one, two] = [await agent('critical-1'), await agent('critical-2')];
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.2');
  });

  it('forbid never co-schedules overlapping tasks, and answers nothing when only those are left', async () => {
    const projectId = await project('forbid', critical, 'forbid');
    const [one, two] = [await agent('forbid-1'), await agent('forbid-2')];
    expect((await h.engine.claim(one.id, { projectId }))?.task.key).toBe('1.1');
    expect((await h.engine.claim(two.id, { projectId }))?.task.key).toBe('1.3');
    expect(await h.engine.claim(two.id, { projectId })).toBeNull();
    // Still ready, still in the index: the next claim after A ends gets it.
    expect((await h.engine.listReady({ projectId })).map((t) => t.key)).toEqual(['1.2']);
  });

  it('never hands one task to two claimers while choosing around conflicts', async () => {
    const tasks = Array.from({ length: 24 }, (_, i) => ({ key: `1.${i + 1}`, cp: 100 - i, hours: 1, files: [`app/f${i % 6}.ts`] }));
    const projectId = await project('race', tasks, null);
    const agents = await Promise.all(Array.from({ length: 4 }, (_, i) => agent(`race-${i}`)));
    const claimed: string[] = [];
    for (let round = 0; round < 8; round++) {
      const got = await Promise.all(agents.map((a) => h.engine.claim(a.id, { projectId })));
      for (const c of got) if (c) claimed.push(c.task.key);
    }
    expect(claimed.length).toBeGreaterThan(0);
    expect(new Set(claimed).size).toBe(claimed.length);
    const rows = await h.t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE t.project_id = $1 AND a.status = 'active'`,
      [projectId],
    );
    expect(rows.rows[0]!.n).toBe(claimed.length);
  });
});
