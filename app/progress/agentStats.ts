import type { Db } from '../store/db.js';
import { heartbeatHealth, utilisationPercent } from './maths.js';
import { agentIdentity, readAgentStats, type AgentIdentity } from './sql/readAgentStats.js';
import { readActiveWork } from './sql/readActiveWork.js';

/** Per agent: pool, live work, utilisation of its own capacity over the window, outcomes, heartbeat health. */

export interface AgentProgressJson extends AgentIdentity {
  current_tasks: {
    task_id: number;
    key: string;
    title: string;
    status: string;
    project: string;
    assignment_id: number;
    epoch: number;
    percent_complete: number;
    lease_expires_at: string;
  }[];
  utilisation_percent: number;
  window_hours: number;
  tasks_done: number;
  failures: number;
  tasks_done_in_window: number;
  failures_in_window: number;
  heartbeat: { last_at: string | null; age_seconds: number | null; health: string };
}

/** With a project: its agents only, with its tasks only (a project-scoped reader sees no other project's work). */
export async function agentStats(d: { db: Db; leaseTtlSeconds: number }, windowHours: number, projectId: number | null = null): Promise<AgentProgressJson[]> {
  const [agents, live] = await Promise.all([readAgentStats(d.db, windowHours, projectId), readActiveWork(d.db, projectId)]);
  const byAgent = new Map<number, AgentProgressJson['current_tasks']>();
  for (const r of live) {
    const list = byAgent.get(Number(r.agent_id)) ?? byAgent.set(Number(r.agent_id), []).get(Number(r.agent_id))!;
    list.push({
      task_id: Number(r.task_id),
      key: r.key,
      title: r.title,
      status: r.status,
      project: r.project,
      assignment_id: Number(r.assignment_id),
      epoch: Number(r.epoch),
      percent_complete: r.percent_complete,
      lease_expires_at: new Date(r.lease_expires_at).toISOString(),
    });
  }
  return agents.map((a) => {
    const age = a.hb_age === null ? null : Math.max(0, Number(a.hb_age));
    return {
      ...agentIdentity(a),
      current_tasks: byAgent.get(Number(a.id)) ?? [],
      utilisation_percent: utilisationPercent(Number(a.busy_s), a.capacity, Number(a.window_s)),
      window_hours: windowHours,
      tasks_done: a.tasks_done,
      failures: a.failures,
      tasks_done_in_window: a.done_in_window,
      failures_in_window: a.failures_in_window,
      heartbeat: {
        last_at: a.last_heartbeat_at ? new Date(a.last_heartbeat_at).toISOString() : null,
        age_seconds: age === null ? null : Math.round(age),
        health: heartbeatHealth(age, d.leaseTtlSeconds, a.active),
      },
    };
  });
}
