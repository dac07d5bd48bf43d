export { schedule, naiveSchedule, type Assignment, type ScheduleResult, type ScheduleOptions } from './schedule.js';
export { criticalPath, remainingCriticalPathHours, type CriticalPath } from './criticalPath.js';
export { buildDependencyGraph, type SchedulablePlan } from './dependencyGraph.js';
