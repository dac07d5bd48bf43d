import { buildDependencyGraph, type SchedulablePlan } from '../../plan/schedule/index.js';
import type { RemainingWork } from './monteCarlo.js';

/** A plan file not started yet: every task to do, built by the scheduler's own graph builder. */
export function workFromPlan(plan: SchedulablePlan): RemainingWork {
  return { graph: buildDependencyGraph(plan), running: [], epicDone: [] };
}
