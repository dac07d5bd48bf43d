import { describe, expect, it } from 'vitest';
import { analyseCriticalPath, criticalPath, remainingCriticalPathHours, taskCriticalPathHours } from '../../app/plan/schedule/criticalPath.js';
import { buildTaskGraph } from '../../app/plan/schedule/dependencyGraph.js';
import type { SchedulablePlan } from '../../app/plan/schedule/dependencyGraph.js';

/**
 * The critical path and each task's remaining critical-path hours on the small graphs the
 * generated plans rarely draw: a task outside any epic, a plan that is all cycle, ties, a task
 * finishing after the threshold it belongs to opened, and a key given twice.
 */

const task = (key: string, epic: string, hours: number, dependsOn: string[] = []) => ({ key, epic, hours, dependsOn });

describe('critical path on small graphs', () => {
  it('is the one task of a graph with no epics, and that task keeps its own hours', () => {
    const a = analyseCriticalPath(buildTaskGraph({ tasks: [{ hours: 5, epic: -1, after: [] }], epics: [] }));
    expect(a.keys).toEqual(['0']);
    expect(a.hours).toBe(5);
    expect(Array.from(a.tail)).toEqual([5]);
  });

  it('goes to the first task in file order when two chains end together', () => {
    const a = analyseCriticalPath(buildTaskGraph({ tasks: [{ hours: 4, epic: -1, after: [] }, { hours: 4, epic: -1, after: [] }], epics: [] }));
    expect(a.keys).toEqual(['0']);
    expect(a.tasks).toEqual([0]);
  });

  it('is empty, with 0 hours, when every task waits on itself; each stuck task keeps its own hours', () => {
    const plan: SchedulablePlan = { epics: [{ key: '1', dependsOn: [] }], tasks: [task('1.1', '1', 3, ['1.2']), task('1.2', '1', 4, ['1.1'])] };
    expect(criticalPath(plan)).toEqual({ keys: [], hours: 0 });
    expect(Object.fromEntries(remainingCriticalPathHours(plan))).toEqual({ '1.1': 3, '1.2': 4 });
  });

  it('runs through an epic a task is a prerequisite of: the task counts the epic’s work after it', () => {
    // Epic 0 waits for task 0 (in no epic); task 1 is in epic 0.
    expect(taskCriticalPathHours({ tasks: [{ hours: 2, epic: -1, after: [] }, { hours: 3, epic: 0, after: [] }], epics: [{ after: [{ task: 0 }] }] })).toEqual([5, 3]);
  });

  it('counts a threshold’s dependents only for the tasks done by the time it opened', () => {
    // Unlimited agents: 1.1 ends at 10, 1.2 at 20 (30 of 60 hours: epic 1 is 50% done, 2.1 starts),
    // 1.3 at 30. 1.3 was not needed for the threshold, so nothing waits on it.
    const plan: SchedulablePlan = {
      epics: [
        { key: '1', dependsOn: [] },
        { key: '2', dependsOn: ['epic:1@50'] },
      ],
      tasks: [task('1.1', '1', 10), task('1.2', '1', 20), task('1.3', '1', 30), task('2.1', '2', 5)],
    };
    expect(Object.fromEntries(remainingCriticalPathHours(plan))).toEqual({ '1.1': 15, '1.2': 25, '1.3': 30, '2.1': 5 });
    expect(criticalPath(plan)).toEqual({ keys: ['1.3'], hours: 30 });
  });

  it('gives a key written twice the hours of its first task', () => {
    const plan: SchedulablePlan = { epics: [{ key: '1', dependsOn: [] }], tasks: [task('1.1', '1', 5), task('1.1', '1', 2)] };
    expect(remainingCriticalPathHours(plan).get('1.1')).toBe(5);
  });
});
