import { describe, expect, it } from 'vitest';
import { naiveSchedule, schedule, type SchedulablePlan } from '../../app/plan/schedule/index.js';

/**
 * What `fleet plan schedule` prints, pinned on small plans: the agent count and hours per day it
 * falls back to, 1-based agents, assignments in start order, stuck tasks, and the naive
 * baseline really serving tasks in file order.
 */

const task = (key: string, epic: string, hours: number, dependsOn: string[] = []) => ({ key, epic, hours, dependsOn });
const oneEpic = (...tasks: ReturnType<typeof task>[]): SchedulablePlan => ({ epics: [{ key: '1', dependsOn: [] }], tasks });

describe('schedule options', () => {
  const plan = oneEpic(task('1.1', '1', 4), task('1.2', '1', 4));

  it('uses one agent for an agent count that is not a finite number of at least 1', () => {
    for (const agents of [0, 0.5, -3, Infinity, Number.NaN]) {
      const s = schedule(plan, { agents });
      expect(s.agents, `agents: ${agents}`).toBe(1);
      expect(s.makespanHours, `agents: ${agents}`).toBe(8);
    }
    expect(schedule(plan, { agents: 2.7 }).agents).toBe(2);
  });

  it('takes the hours per day it is given, and 8 for none, 0 or less', () => {
    const four = schedule(plan, { agents: 1, hoursPerDay: 4 });
    expect([four.hoursPerDay, four.etaDays]).toEqual([4, 2]);
    for (const hoursPerDay of [undefined, 0, -2]) {
      const s = schedule(plan, { agents: 1, hoursPerDay });
      expect([s.hoursPerDay, s.etaDays], `hoursPerDay: ${hoursPerDay}`).toEqual([8, 1]);
    }
  });
});

describe('schedule assignments', () => {
  it('numbers agents from 1 and lists assignments by start, then agent', () => {
    // HLFET: 1.2 (5 h to go) takes agent 1 and 1.1 (3 h to go, with 1.3) agent 2 at 0; 1.3 follows 1.1.
    const s = schedule(oneEpic(task('1.1', '1', 1), task('1.2', '1', 5), task('1.3', '1', 2, ['1.1'])), { agents: 2 });
    expect(s.assignments).toEqual([
      { task: '1.2', agent: 1, start: 0, end: 5 },
      { task: '1.1', agent: 2, start: 0, end: 1 },
      { task: '1.3', agent: 2, start: 1, end: 3 },
    ]);
  });

  it('lists a task that waits on nothing and belongs to no epic', () => {
    const s = schedule({ epics: [], tasks: [task('1.1', '1', 3)] }, { agents: 1 });
    expect(s.assignments).toEqual([{ task: '1.1', agent: 1, start: 0, end: 3 }]);
  });

  it('leaves tasks stuck in a cycle out of the assignments and lists them as unscheduled', () => {
    const s = schedule(oneEpic(task('1.1', '1', 3, ['1.2']), task('1.2', '1', 4, ['1.1']), task('1.3', '1', 2)), { agents: 2 });
    expect(s.assignments).toEqual([{ task: '1.3', agent: 1, start: 0, end: 2 }]);
    expect(s.unscheduled).toEqual(['1.1', '1.2']);
  });

  it('serves tasks in file order in the naive baseline, longest remaining chain first in HLFET', () => {
    const plan = oneEpic(task('1.1', '1', 1), task('1.2', '1', 5), task('1.3', '1', 5, ['1.2']));
    expect(naiveSchedule(plan, { agents: 1 }).assignments.map((a) => a.task)).toEqual(['1.1', '1.2', '1.3']);
    expect(schedule(plan, { agents: 1 }).assignments.map((a) => a.task)).toEqual(['1.2', '1.3', '1.1']);
  });
});
