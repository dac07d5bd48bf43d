import { analyseCriticalPath, simulate } from '../../plan/schedule/index.js';
import type { RemainingWork } from './monteCarlo.js';

export interface PlannedTask {
  task: number;
  key: string;
  start: number;
  finish: number;
}

/**
 * The plan at estimate pace on `agents` agents: the HLFET schedule `fleet plan schedule` prints,
 * started from where the work stands. Tasks that can never start (a cycle) are left out.
 */
export function baselineSchedule(work: RemainingWork, agents: number): { makespan: number; tasks: PlannedTask[] } {
  const g = work.graph;
  const cp = analyseCriticalPath(g);
  const sim = simulate(g, {
    agents: Math.max(1, Math.floor(agents)),
    order: 'priority',
    priority: Float64Array.from(cp.tail),
    from: { running: work.running.map((r) => ({ task: r.task, hoursLeft: r.inReview ? 0 : r.hoursLeft, needsAgent: !r.inReview })), epicDone: work.epicDone },
  });
  const tasks: PlannedTask[] = [];
  for (let t = 0; t < g.n; t++) if (sim.seq[t]! >= 0) tasks.push({ task: t, key: g.keys[t]!, start: sim.start[t]!, finish: sim.end[t]! });
  return { makespan: sim.makespan, tasks };
}
