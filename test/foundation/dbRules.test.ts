import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../support/db.js';
import { TRANSITIONS, TASK_STATUSES, transition, type TaskStatus } from '../../app/core/taskStatus.js';
import { IllegalTransitionError } from '../../app/core/errors.js';

// Runs on both backends: the rules must hold in the database whichever one serves it.
describe.each(['postgres', 'pglite'] as const)('database rules on %s', (backend) => {
  let t: TestDb;
  let taskId: number;
  let agentId: number;
  beforeAll(async () => {
    t = await freshDb(`rules_${backend}`, { backend });
    const p = await t.db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('o', 'r') RETURNING id`);
    const task = await t.db.query<{ id: number }>(
      `INSERT INTO tasks (project_id, key, title, estimated_hours) VALUES ($1, '1.1', 'T', 8) RETURNING id`,
      [p.rows[0]!.id],
    );
    taskId = task.rows[0]!.id;
    const a = await t.db.query<{ id: number }>(`INSERT INTO agents (name, capacity) VALUES ('a1', 5) RETURNING id`);
    agentId = a.rows[0]!.id;
  });
  afterAll(() => t.cleanup());

  it('keeps at most one active assignment per task', async () => {
    const ins = `INSERT INTO assignments (task_id, agent_id, epoch, lease_expires_at) VALUES ($1, $2, $3, now() + interval '10 minutes')`;
    await t.db.query(ins, [taskId, agentId, 1]);
    await expect(t.db.query(ins, [taskId, agentId, 2])).rejects.toThrow(/assignments_one_active_per_task/);
    // Once the first ends, a new one may start.
    await t.db.query(`UPDATE assignments SET status = 'expired' WHERE task_id = $1`, [taskId]);
    await t.db.query(ins, [taskId, agentId, 2]);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM assignments WHERE task_id = $1 AND status = 'active'`,
      [taskId],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('never lets an agent hold more live assignments than its capacity, or any when deactivated', async () => {
    const p = await t.db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('o', 'capacity') RETURNING id`);
    const mk = async (key: string) =>
      (await t.db.query<{ id: number }>(`INSERT INTO tasks (project_id, key, title) VALUES ($1, $2, $2) RETURNING id`, [p.rows[0]!.id, key])).rows[0]!.id;
    const ag = (await t.db.query<{ id: number }>(`INSERT INTO agents (name, capacity) VALUES ('cap2', 2) RETURNING id`)).rows[0]!.id;
    const ins = `INSERT INTO assignments (task_id, agent_id, epoch, lease_expires_at) VALUES ($1, $2, 1, now() + interval '10 minutes')`;
    await t.db.query(ins, [await mk('c.1'), ag]);
    await t.db.query(ins, [await mk('c.2'), ag]);
    await expect(t.db.query(ins, [await mk('c.3'), ag])).rejects.toThrow(/agent_at_capacity/);
    await t.db.query(`UPDATE agents SET active = false WHERE id = $1`, [ag]);
    await t.db.query(`UPDATE assignments SET status = 'released' WHERE agent_id = $1`, [ag]);
    await expect(t.db.query(ins, [await mk('c.4'), ag])).rejects.toThrow(/agent_inactive/);
  });

  it('refuses a status outside the closed set', async () => {
    await expect(t.db.query(`UPDATE tasks SET status = 'completed' WHERE id = $1`, [taskId])).rejects.toThrow(/illegal task transition pending -> completed/);
    await expect(
      t.db.query(`INSERT INTO tasks (project_id, key, title, status) SELECT project_id, 'bad.1', 'T', 'completed' FROM tasks WHERE id = $1`, [taskId]),
    ).rejects.toThrow(/tasks_status_fkey/);
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [taskId]);
    expect(rows[0]!.status).toBe('pending');
  });

  it('refuses an illegal transition and allows a legal one', async () => {
    // pending -> in_progress skips the claim: illegal, and the row keeps its status.
    await expect(t.db.query(`UPDATE tasks SET status = 'in_progress' WHERE id = $1`, [taskId])).rejects.toThrow(
      /illegal task transition pending -> in_progress/,
    );
    expect((await t.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [taskId])).rows[0]!.status).toBe('pending');
    await t.db.query(`UPDATE tasks SET status = 'assigned' WHERE id = $1`, [taskId]);
    await t.db.query(`UPDATE tasks SET status = 'in_progress' WHERE id = $1`, [taskId]);
    const { rows } = await t.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [taskId]);
    expect(rows[0]!.status).toBe('in_progress');
  });

  it('holds the same transition table as the pure state machine', async () => {
    const { rows } = await t.db.query<{ from_status: string; to_status: string }>(
      'SELECT from_status, to_status FROM task_transitions ORDER BY 1, 2',
    );
    const fromDb = rows.map((r) => `${r.from_status}->${r.to_status}`).sort();
    const fromCore = Object.entries(TRANSITIONS)
      .flatMap(([f, tos]) => tos.map((to) => `${f}->${to}`))
      .sort();
    expect(fromDb).toEqual(fromCore);
    const statuses = await t.db.query<{ status: string }>('SELECT status FROM task_statuses ORDER BY 1');
    expect(statuses.rows.map((r) => r.status)).toEqual([...TASK_STATUSES].sort());
  });

  it('computes epic progress weighted by hours and readiness through epic thresholds', async () => {
    const p = await t.db.query<{ id: number }>(`INSERT INTO projects (owner, repo) VALUES ('o', 'thresholds') RETURNING id`);
    const pid = p.rows[0]!.id;
    const e1 = await t.db.query<{ id: number }>(`INSERT INTO epics (project_id, key, title) VALUES ($1, '1', 'E1') RETURNING id`, [pid]);
    const e2 = await t.db.query<{ id: number }>(`INSERT INTO epics (project_id, key, title) VALUES ($1, '2', 'E2') RETURNING id`, [pid]);
    const mk = async (key: string, epic: number, hours: number) =>
      (
        await t.db.query<{ id: number }>(
          `INSERT INTO tasks (project_id, epic_id, key, title, estimated_hours) VALUES ($1, $2, $3, $3, $4) RETURNING id`,
          [pid, epic, key, hours],
        )
      ).rows[0]!.id;
    const a = await mk('1.1', e1.rows[0]!.id, 30);
    await mk('1.2', e1.rows[0]!.id, 70);
    await mk('2.1', e2.rows[0]!.id, 5);
    await t.db.query(
      `INSERT INTO dependencies (project_id, epic_id, depends_on_epic_id, threshold_percent) VALUES ($1, $2, $3, 50)`,
      [pid, e2.rows[0]!.id, e1.rows[0]!.id],
    );
    const ready = async () =>
      (await t.db.query<{ key: string }>(`SELECT key FROM task_readiness WHERE project_id = $1 AND ready ORDER BY key`, [pid])).rows.map(
        (r) => r.key,
      );
    expect(await ready()).toEqual(['1.1', '1.2']);
    for (const s of ['assigned', 'done'] as TaskStatus[]) await t.db.query(`UPDATE tasks SET status = $2 WHERE id = $1`, [a, s]);
    // 30 of 100 hours: 30%, below the 50% threshold (a plain task average would say 50%).
    const prog = await t.db.query<{ percent: number }>(`SELECT percent FROM epic_progress WHERE epic_id = $1`, [e1.rows[0]!.id]);
    expect(prog.rows[0]!.percent).toBe(30);
    expect(await ready()).toEqual(['1.2']);
  });
});

describe('pure transition function', () => {
  it('throws a typed error naming the legal moves', () => {
    expect(() => transition('pending', 'in_progress', '1.1')).toThrow(IllegalTransitionError);
    expect(() => transition('pending', 'in_progress', '1.1')).toThrow(/may go to: assigned/);
    expect(transition('assigned', 'in_progress')).toBe('in_progress');
  });
});
