import type { Queryable } from '../../app/store/db.js';
import type { TestServer } from '../support/server.js';
import type { FixtureTask } from '../support/fixtures.js';

/** 564 estimated hours over three epics; epic 2 opens at 50% of epic 1's hours, like the example plan. */
export const PLAN: FixtureTask[] = [
  { key: '1.1', hours: 8, cp: 64 },
  { key: '1.2', hours: 16, cp: 56, deps: ['1.1'] },
  { key: '1.3', hours: 40, cp: 40, deps: ['1.1'] },
  { key: '2.1', hours: 100, cp: 300 },
  { key: '2.2', hours: 200, cp: 200, deps: ['2.1'] },
  { key: '3.1', hours: 120, cp: 200 },
  { key: '3.2', hours: 80, cp: 80, deps: ['3.1'] },
];
export const PLAN_EPIC_DEPS = { '2': ['epic:1@50'] };
export const PLAN_HOURS = 564;

/** Assigns a task to the agent and reports it done through the API, as an agent's run would. */
export async function completeTask(s: TestServer, key: string, agentId: number): Promise<void> {
  const task = await s.call('GET', `/api/tasks/${key}`);
  if (task.status !== 200) throw new Error(`task ${key}: ${task.text}`);
  const a = await s.call('POST', '/api/assignments', { task_id: task.json.task.id, agent_id: agentId });
  if (a.status !== 201) throw new Error(`assign ${key}: ${a.status} ${a.text}`);
  const done = await s.call('PATCH', `/api/assignments/${a.json.assignment.id}/progress`, { epoch: a.json.lease.epoch, status: 'done' });
  if (done.status !== 200) throw new Error(`complete ${key}: ${done.status} ${done.text}`);
}

/**
 * A progress snapshot `days` ago with nothing done yet (`tasks` and `hours` in total, one active
 * agent): the start a velocity is measured from. For one project, or for every project.
 */
export async function snapshotDaysAgo(db: Queryable, days: number, total: { tasks: number; hours: number }, projectId: number | null = null): Promise<void> {
  await db.query(
    `INSERT INTO progress_snapshots (project_id, taken_at, tasks_total, tasks_done, hours_total, hours_done, active_agents)
     SELECT id, now() - $1 * interval '1 day', $2, 0, $3, 0, 1 FROM projects WHERE $4::bigint IS NULL OR id = $4`,
    [days, total.tasks, total.hours, projectId],
  );
}
