import { buildDependencyGraph, type SchedulablePlan } from './dependencyGraph.js';
import { analyseCriticalPath, round } from './criticalPath.js';
import { simulate } from './simulate.js';

export interface ScheduledTask {
  task: string;
  /** 1-based agent number. */
  agent: number;
  start: number;
  end: number;
}

export interface ScheduleResult {
  agents: number;
  makespanHours: number;
  /** max(critical path hours, total hours / agents): no schedule can beat it. */
  lowerBoundHours: number;
  criticalPath: string[];
  criticalPathHours: number;
  totalHours: number;
  hoursPerDay: number;
  etaDays: number;
  /** In start order. */
  assignments: ScheduledTask[];
  /** Tasks that can never start because of a dependency cycle (none for a plan without errors). */
  unscheduled: string[];
}

export interface ScheduleOptions {
  agents: number;
  /** Agent working hours per day, for the ETA; 8 unless given. */
  hoursPerDay?: number;
}

/** HLFET list scheduling: ready tasks with the most remaining critical-path hours go first. */
export function schedule(plan: SchedulablePlan, opts: ScheduleOptions): ScheduleResult {
  return run(plan, opts, 'hlfet');
}

/** The baseline: tasks in file order, first ready first served, no look-ahead. */
export function naiveSchedule(plan: SchedulablePlan, opts: ScheduleOptions): ScheduleResult {
  return run(plan, opts, 'naive');
}

function run(plan: SchedulablePlan, opts: ScheduleOptions, kind: 'hlfet' | 'naive'): ScheduleResult {
  const agents = Number.isFinite(opts.agents) && opts.agents >= 1 ? Math.floor(opts.agents) : 1;
  const hoursPerDay = opts.hoursPerDay !== undefined && opts.hoursPerDay > 0 ? opts.hoursPerDay : 8;
  const g = buildDependencyGraph(plan);
  const cp = analyseCriticalPath(g);
  const sim =
    kind === 'hlfet'
      ? simulate(g, { agents, order: 'priority', priority: Float64Array.from(cp.tail) })
      : simulate(g, { agents, order: 'fifo' });
  let total = 0;
  for (let t = 0; t < g.n; t++) total += g.hours[t]!;
  const assignments: ScheduledTask[] = [];
  for (let t = 0; t < g.n; t++) {
    if (sim.seq[t]! < 0) continue;
    assignments.push({ task: g.keys[t]!, agent: sim.agent[t]! + 1, start: round(sim.start[t]!), end: round(sim.end[t]!) });
  }
  assignments.sort((a, b) => a.start - b.start || a.agent - b.agent);
  const makespan = round(sim.makespan);
  return {
    agents,
    makespanHours: makespan,
    lowerBoundHours: round(Math.max(cp.hours, total / agents)),
    criticalPath: cp.keys,
    criticalPathHours: cp.hours,
    totalHours: round(total),
    hoursPerDay,
    etaDays: round(makespan / hoursPerDay),
    assignments,
    unscheduled: sim.stuck.map((t) => g.keys[t]!),
  };
}
