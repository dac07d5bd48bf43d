import { describe, expect, it } from 'vitest';
import { buildTaskGraph } from '../../app/plan/schedule/dependencyGraph.js';
import { simulate } from '../../app/plan/schedule/simulate.js';
import { referenceSimulate } from './scheduleReference.js';

/**
 * The kernel's ready set on more than 1,024 tasks, where its summary bitset has more than one
 * word (the kernel test draws at most 25 tasks, so one word holds them all), and the 1e-9 hours
 * within which two tasks end together and a threshold counts as met.
 */

describe('scheduler kernel ready set beyond 1,024 tasks', () => {
  // Task 1099 (lowest priority, rank 1099: summary word 1) is the only source; when it ends, the
  // other 1,099 become ready at once, ranks 0..1098 across both summary words.
  const n = 1100;
  const last = n - 1;
  // Built in each test, not once for the file: a mutation test switches mutants between tests.
  const graph = () =>
    buildTaskGraph({
      tasks: Array.from({ length: n }, (_, i) => ({ hours: 1, epic: -1, after: i === last ? [] : [{ task: last }] })),
      epics: [],
    });
  const priority = Float64Array.from({ length: n }, (_, i) => (i === last ? 0 : 2 * n - i));

  it('starts the ready tasks in priority order, word after word, after going past empty words', () => {
    const s = simulate(graph(), { agents: 1, order: 'priority', priority });
    expect(s.start[last]).toBe(0);
    const late = Array.from(s.start.subarray(0, last)).map((t, i) => t - i).filter((d) => d !== 1);
    expect(late).toEqual([]); // task i starts at i + 1
    expect(s.makespan).toBe(n);
  });

  it('gives what the straightforward scheduler gives with several agents', () => {
    const plain = (x: { start: Float64Array; agent: Int32Array; seq: Int32Array; makespan: number }) => ({ start: Array.from(x.start), agent: Array.from(x.agent), seq: Array.from(x.seq), makespan: x.makespan });
    const g = graph();
    for (const agents of [3, 40]) {
      const opts = { agents, order: 'priority' as const, priority };
      expect(plain(simulate(g, opts))).toEqual(plain(referenceSimulate(g, opts)));
    }
  });
});

describe('scheduler kernel tolerances of 1e-9', () => {
  it('counts a task ending within 1e-9 hours of another as ending at the same moment', () => {
    // 0 ends at 1, 1 at 1 + 1e-9: 2 (after 1) starts at 1, not 1 + 1e-9.
    const g = buildTaskGraph({ tasks: [{ hours: 1, epic: -1, after: [] }, { hours: 1 + 1e-9, epic: -1, after: [] }, { hours: 1, epic: -1, after: [{ task: 1 }] }], epics: [] });
    const s = simulate(g, { agents: 2, order: 'fifo' });
    expect(s.start[2]).toBe(1);
    expect(s.cause[2]).toBe(1);
  });

  it('opens a threshold when the epic’s done hours fall short of it by no more than 1e-9', () => {
    // Epic 0 (10 hours, none of them in the graph) is 5 - 1e-9 hours done: 50% counts as met.
    const g = buildTaskGraph({ tasks: [{ hours: 1, epic: -1, after: [{ epic: 0, percent: 50 }] }], epics: [{ after: [], totalHours: 10, totalTasks: 2 }] });
    const s = simulate(g, { agents: 1, order: 'fifo', from: { epicDone: [{ epic: 0, hours: 5 - 1e-9, tasks: 0 }] } });
    expect(s.start[0]).toBe(0);
    expect(s.stuck).toEqual([]);
  });
});
