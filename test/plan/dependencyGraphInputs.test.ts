import { describe, expect, it } from 'vitest';
import { buildDependencyGraph, buildTaskGraph, nodeLabel, type SchedulablePlan } from '../../app/plan/schedule/dependencyGraph.js';

/**
 * What the dependency graph makes of odd input: keys given twice, unknown epics, hours that are
 * not a positive number, indices out of range, epic sizes given outside the graph, and the
 * names its nodes go by in cycle messages.
 */

const task = (key: string, epic: string, hours: number, dependsOn: string[] = []) => ({ key, epic, hours, dependsOn });

describe('dependency graph from a plan', () => {
  it('puts the tasks of an epic key written twice in its first epic', () => {
    const plan: SchedulablePlan = {
      epics: [
        { key: '1', dependsOn: [] },
        { key: '1', dependsOn: [] },
      ],
      tasks: [task('1.1', '1', 2)],
    };
    const g = buildDependencyGraph(plan);
    expect(Array.from(g.epicOf)).toEqual([0]);
    expect(g.epicTasks).toEqual([[0], []]);
  });

  it('makes a dependency on a task key written twice wait for its first task', () => {
    const plan: SchedulablePlan = { epics: [], tasks: [task('1.1', '1', 2), task('1.1', '1', 3), task('1.2', '1', 1, ['1.1'])] };
    const g = buildDependencyGraph(plan);
    expect(g.preds[2]).toEqual([0]);
  });

  it('leaves a task of an unknown epic in no epic', () => {
    const plan: SchedulablePlan = {
      epics: [
        { key: '1', dependsOn: [] },
        { key: '2', dependsOn: [] },
      ],
      tasks: [task('9.1', '9', 2)],
    };
    const g = buildDependencyGraph(plan);
    expect(Array.from(g.epicOf)).toEqual([-1]);
    expect(g.preds[0]).toEqual([]);
  });
});

describe('dependency graph from indices', () => {
  it('counts hours that are negative, infinite or not a number as 0', () => {
    const g = buildTaskGraph({ tasks: [-5, Infinity, Number.NaN, 0, 2.5].map((hours) => ({ hours, epic: 0, after: [] })), epics: [{ after: [] }] });
    expect(Array.from(g.hours)).toEqual([0, 0, 0, 0, 2.5]);
    expect(g.epicHours[0]).toBe(2.5);
  });

  it('leaves out an epic, a prerequisite task or a prerequisite epic numbered past either end', () => {
    const g = buildTaskGraph({ tasks: [{ hours: 1, epic: 1, after: [{ task: 1 }, { task: -1 }, { epic: -1, percent: 50 }, { epic: 1, percent: 50 }] }], epics: [{ after: [] }] });
    expect(g.gates).toEqual([]);
    expect(Array.from(g.epicOf)).toEqual([-1]);
    expect(g.epicTasks).toEqual([[]]);
    expect(g.preds[0]).toEqual([]);
    expect(g.predCount[0]).toBe(0);
  });

  it('takes an epic’s size from the spec when given, never below 0', () => {
    const gate = { epic: 0, percent: 50 };
    const g = buildTaskGraph({
      tasks: [{ hours: 2, epic: 0, after: [] }, { hours: 1, epic: 1, after: [gate, { epic: 1, percent: 50 }] }],
      epics: [{ after: [], totalHours: 10, totalTasks: 4 }, { after: [], totalHours: -3, totalTasks: -2 }],
    });
    expect(Array.from(g.epicHours)).toEqual([10, 0]);
    // (+ 0: a 0 count may come out as -0.)
    expect(g.gates.map((x) => [x.requiredHours, x.requiredCount + 0])).toEqual([
      [5, 2],
      [0, 0],
    ]);
  });

  it('orders an epic’s thresholds by percent when they need the same hours (an epic of 0 hours)', () => {
    // 100% is used first, so it is gate 0; both need 0 hours, so the lower percent opens first.
    const g = buildTaskGraph({
      tasks: [{ hours: 0, epic: 0, after: [] }, { hours: 0, epic: 0, after: [] }, { hours: 1, epic: 1, after: [{ epic: 0, percent: 100 }, { epic: 0, percent: 50 }] }],
      epics: [{ after: [] }, { after: [] }],
    });
    const base = g.n + g.m;
    expect(g.gates.map((x) => x.percent)).toEqual([100, 50]);
    expect(g.gatesByEpic).toEqual([[base + 1, base], []]);
  });

  it('orders an epic’s thresholds by the hours they need', () => {
    const g = buildTaskGraph({
      tasks: [{ hours: 4, epic: 0, after: [] }, { hours: 1, epic: 1, after: [{ epic: 0, percent: 100 }, { epic: 0, percent: 50 }] }],
      epics: [{ after: [] }, { after: [] }],
    });
    const base = g.n + g.m;
    expect(g.gates.map((x) => x.requiredHours)).toEqual([4, 2]);
    expect(g.gatesByEpic).toEqual([[base + 1, base], []]);
  });

  it('makes one gate per epic and threshold, however many wait on it, counting 1 prerequisite (its progress)', () => {
    const half = { epic: 0, percent: 50 };
    const g = buildTaskGraph({ tasks: [{ hours: 2, epic: 0, after: [] }, { hours: 1, epic: -1, after: [half] }, { hours: 1, epic: -1, after: [half] }], epics: [{ after: [] }, { after: [half] }] });
    expect(g.gates).toHaveLength(1);
    const gate = g.n + g.m;
    expect(g.succ[gate]).toEqual([g.n + 1, 1, 2]);
    expect(g.predCount[gate]).toBe(1);
  });

  it('names tasks and epics by their index when the spec gives no names', () => {
    const g = buildTaskGraph({ tasks: [{ hours: 1, epic: 1, after: [] }], epics: [{ after: [] }, { after: [] }] });
    expect(g.keys).toEqual(['0']);
    expect(g.epicKeys).toEqual(['0', '1']);
  });
});

describe('node labels in cycle messages', () => {
  // Built in each test, not once for the file: a mutation test switches mutants between tests.
  const graph = () => buildTaskGraph({
    tasks: [{ hours: 1, epic: 0, after: [{ epic: 1, percent: 50 }, { epic: 1, percent: 100 }] }],
    epics: [{ after: [] }, { after: [] }],
    keys: ['1.1'],
    epicKeys: ['1', '2'],
  });

  it('names a task by its key, an epic entry "epic K", a threshold "epic:K@P" and a whole epic "epic:K"', () => {
    const g = graph();
    expect(g.n + g.m).toBe(3);
    expect([0, 1, 2, 3, 4].map((v) => nodeLabel(g, v))).toEqual(['1.1', 'epic 1', 'epic 2', 'epic:2@50', 'epic:2']);
  });
});
