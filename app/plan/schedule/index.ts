export { schedule, naiveSchedule, type ScheduledTask, type ScheduleResult, type ScheduleOptions } from './schedule.js';
export { analyseCriticalPath, criticalPath, remainingCriticalPathHours, taskCriticalPathHours, type CriticalPath, type CriticalPathAnalysis } from './criticalPath.js';
export { buildDependencyGraph, buildTaskGraph, type DependencyGraph, type Prerequisite, type SchedulablePlan, type TaskGraphSpec } from './dependencyGraph.js';
export { simulate, Simulator, successorLists, type SimulateOptions, type Simulation, type SimulationStart } from './simulate.js';
