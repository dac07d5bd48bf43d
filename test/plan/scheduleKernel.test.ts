import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTaskGraph, type Prerequisite, type TaskGraphSpec } from '../../app/plan/schedule/dependencyGraph.js';
import { Simulator, simulate, type SimulateOptions, type Simulation } from '../../app/plan/schedule/simulate.js';
import { referenceSimulate } from './scheduleReference.js';

/**
 * The typed-array scheduler (reused buffers, rank heap, ring queue) must give exactly what the
 * straightforward one gave: same starts, ends, agents, causes and completion order, on graphs
 * with ties, epic thresholds, cycles, work done and under way, drawn durations.
 */

const prereqArb = (tasks: number, epics: number): fc.Arbitrary<Prerequisite> =>
  epics > 0
    ? fc.oneof(
        { weight: 4, arbitrary: fc.nat({ max: tasks - 1 }).map((task) => ({ task })) },
        { weight: 1, arbitrary: fc.tuple(fc.nat({ max: epics - 1 }), fc.constantFrom(0, 25, 50, 75, 100)).map(([epic, percent]) => ({ epic, percent })) },
      )
    : fc.nat({ max: tasks - 1 }).map((task) => ({ task }));

interface Case {
  spec: TaskGraphSpec;
  priority: number[];
  durations: number[] | null;
  running: { task: number; hoursLeft: number; needsAgent?: boolean }[];
  done: number[];
  epicDone: { epic: number; hours: number; tasks: number }[];
  agents: number;
  order: 'priority' | 'fifo';
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ tasks: fc.integer({ min: 1, max: 25 }), epics: fc.integer({ min: 0, max: 4 }), cyclic: fc.boolean() })
  .chain(({ tasks, epics, cyclic }) =>
    fc.record({
      spec: fc
        .record({
          tasks: fc.array(
            fc.record({
              // Small integers: many equal ends and priorities, so every tie-break is exercised.
              hours: fc.integer({ min: 0, max: 6 }),
              epic: fc.integer({ min: -1, max: epics - 1 }),
              after: fc.array(prereqArb(tasks, epics), { maxLength: 3 }),
            }),
            { minLength: tasks, maxLength: tasks },
          ),
          epics: fc.array(fc.record({ after: fc.array(prereqArb(tasks, epics), { maxLength: 2 }) }), { minLength: epics, maxLength: epics }),
        })
        // Acyclic unless asked: a task waits only on earlier tasks.
        .map((s) => ({
          ...s,
          tasks: s.tasks.map((t, i) => ({ ...t, after: cyclic ? t.after : t.after.filter((p) => !('task' in p) || p.task < i) })),
        })),
      priority: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: tasks, maxLength: tasks }),
      durations: fc.option(fc.array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.double({ min: 0, max: 8, noNaN: true })), { minLength: tasks, maxLength: tasks })),
      running: fc.array(fc.record({ task: fc.integer({ min: -1, max: tasks }), hoursLeft: fc.integer({ min: -1, max: 5 }), needsAgent: fc.option(fc.boolean(), { nil: undefined }) }), { maxLength: 4 }),
      done: fc.array(fc.integer({ min: -1, max: tasks }), { maxLength: 4 }),
      epicDone: fc.array(fc.record({ epic: fc.integer({ min: -1, max: epics }), hours: fc.integer({ min: -1, max: 10 }), tasks: fc.integer({ min: -1, max: 3 }) }), { maxLength: 2 }),
      agents: fc.constantFrom(0, 1, 2, 3, 5, 40, Infinity),
      order: fc.constantFrom<'priority' | 'fifo'>('priority', 'fifo'),
    }),
  );

const plain = (s: Simulation) => ({
  start: Array.from(s.start),
  end: Array.from(s.end),
  agent: Array.from(s.agent),
  cause: Array.from(s.cause),
  seq: Array.from(s.seq),
  makespan: s.makespan,
  stuck: s.stuck,
});

const optionsOf = (c: Case): SimulateOptions => ({
  agents: c.agents,
  order: c.order,
  priority: Float64Array.from(c.priority),
  durations: c.durations ? Float64Array.from(c.durations) : undefined,
  from: { running: c.running, done: c.done, epicDone: c.epicDone },
});

describe('scheduler kernel', () => {
  it('gives exactly what the straightforward scheduler gave', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const g = buildTaskGraph(c.spec);
        const opts = optionsOf(c);
        expect(plain(simulate(g, opts))).toEqual(plain(referenceSimulate(g, opts)));
        // From scratch, estimates as durations.
        const bare = { agents: c.agents, order: c.order, priority: opts.priority };
        expect(plain(simulate(g, bare))).toEqual(plain(referenceSimulate(g, bare)));
      }),
      { numRuns: 1500 },
    );
  });

  it('gives the same run after run on one set of buffers (nothing of a previous run leaks)', () => {
    fc.assert(
      fc.property(caseArb, fc.array(fc.array(fc.double({ min: 0, max: 8, noNaN: true }), { minLength: 25, maxLength: 25 }), { minLength: 2, maxLength: 4 }), (c, draws) => {
        const g = buildTaskGraph(c.spec);
        const opts = optionsOf(c);
        const sim = new Simulator(g, opts);
        for (const d of draws) {
          const durations = Float64Array.from(d.slice(0, g.n));
          sim.run(opts.from, durations);
          const got = plain({ start: sim.start, end: sim.end, agent: sim.agent, cause: sim.cause, seq: sim.seq, makespan: sim.makespan, stuck: sim.stuck() });
          expect(got).toEqual(plain(referenceSimulate(g, { ...opts, durations })));
        }
      }),
      { numRuns: 300 },
    );
  });
});
