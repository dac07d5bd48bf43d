import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { criticalPath, naiveSchedule, remainingCriticalPathHours, schedule, type ScheduleResult, type SchedulablePlan } from '../../app/plan/schedule/index.js';
import { readDependency } from '../../schema/plan.js';
import { EXAMPLE_PLAN, fixture, generatedListPlan, read } from './helpers.js';

const example = parsePlan(read(EXAMPLE_PLAN));

describe('schedule on the example plan', () => {
  it('has a 116-hour critical path 3.1 → 3.2 → 5.4, because epic 5 waits for all of epic 3', () => {
    expect(criticalPath(example)).toEqual({ keys: ['3.1', '3.2', '5.4'], hours: 116 });
  });

  it('finishes in 116 hours with 16 agents and within 5% of 188 with 3', () => {
    const s16 = schedule(example, { agents: 16 });
    expect(s16.makespanHours).toBe(116);
    expect(s16.lowerBoundHours).toBe(116);
    const s3 = schedule(example, { agents: 3, hoursPerDay: 8 });
    expect(s3.lowerBoundHours).toBe(188);
    expect(s3.makespanHours).toBeLessThanOrEqual(188 * 1.05);
    expect(s3.etaDays).toBeCloseTo(s3.makespanHours / 8);
    const s1 = schedule(example, { agents: 1 });
    expect(s1.makespanHours).toBe(564);
    expect(s1.totalHours).toBe(564);
  });

  it('gives every task its remaining critical path, epic dependencies included', () => {
    const tails = remainingCriticalPathHours(example);
    expect(tails.get('3.1')).toBe(116);
    expect(tails.get('3.2')).toBe(100); // 40 + 5.4's 60, through "epic 5 waits for epic 3"
    expect(tails.get('5.4')).toBe(60);
    expect(tails.get('1.7')).toBe(80); // 40 + 5.2 (40)
    expect(tails.get('4.5')).toBe(8);
    expect(Math.max(...tails.values())).toBe(116);
  });

  it('opens an epic threshold at the earliest moment enough of the epic is done', () => {
    const s = schedule(example, { agents: 64 });
    const a = new Map(s.assignments.map((x) => [x.task, x]));
    // 1.1 (8) + 1.4, 1.5 (20 each, done at 28) + the 24-hour issues done at 32 pass 80 of 160 hours.
    expect(a.get('2.1')!.start).toBe(32);
  });

  it('waits on a threshold that needs only part of an epic', () => {
    const p = parsePlan(read(fixture('threshold-loop.md')));
    // 1.1 and 1.2 finish together at 10; the second of them is the one that reaches 50%.
    expect(criticalPath(p)).toEqual({ keys: ['1.2', '2.1', '1.3'], hours: 25 });
  });
});

/** Random plans: task and epic dependencies point backwards in file order, so they are acyclic. */
const planArb: fc.Arbitrary<SchedulablePlan> = fc
  .array(fc.array(fc.record({ hours: fc.integer({ min: 0, max: 20 }), deps: fc.array(fc.nat(), { maxLength: 3 }) }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 })
  .chain((epics) =>
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(25, 50, 100)), { maxLength: epics.length }).map((epicDeps) => {
      const tasks: { key: string; epic: string; hours: number; dependsOn: string[] }[] = [];
      const plan = {
        epics: epics.map((_, i) => ({
          key: String(i + 1),
          dependsOn: i === 0 ? [] : epicDeps.filter((_, j) => j % epics.length === i).map(([x, p]) => `epic:${(x % i) + 1}${p < 100 ? `@${p}` : ''}`),
        })),
        tasks,
      };
      epics.forEach((ts, e) =>
        ts.forEach((t, j) => {
          const before = tasks.length;
          const deps = before === 0 ? [] : [...new Set(t.deps.map((d) => tasks[d % before]!.key))];
          tasks.push({ key: `${e + 1}.${j + 1}`, epic: String(e + 1), hours: t.hours, dependsOn: deps });
        }),
      );
      return plan;
    }),
  );

function checkSchedule(plan: SchedulablePlan, s: ScheduleResult): void {
  const at = new Map(s.assignments.map((a) => [a.task, a]));
  expect(s.unscheduled).toEqual([]);
  expect(at.size).toBe(plan.tasks.length);
  const epicOf = new Map(plan.tasks.map((t) => [t.key, t.epic]));
  const epicHours = new Map<string, number>();
  for (const t of plan.tasks) epicHours.set(t.epic, (epicHours.get(t.epic) ?? 0) + t.hours);
  const met = (ref: string, time: number): boolean => {
    const d = readDependency(ref)!;
    if (d.kind === 'task') return at.get(d.key)!.end <= time + 1e-9;
    const members = plan.tasks.filter((t) => t.epic === d.key);
    const total = epicHours.get(d.key) ?? 0;
    const done = members.filter((t) => at.get(t.key)!.end <= time + 1e-9);
    if (total > 0) return done.reduce((h, t) => h + t.hours, 0) >= (total * d.percent) / 100 - 1e-9;
    return done.length >= Math.ceil((members.length * d.percent) / 100 - 1e-9);
  };
  for (const t of plan.tasks) {
    const a = at.get(t.key)!;
    expect(a.end - a.start).toBeCloseTo(t.hours);
    const epic = plan.epics.find((e) => e.key === epicOf.get(t.key))!;
    for (const ref of [...t.dependsOn, ...epic.dependsOn]) expect(met(ref, a.start), `${t.key} waits for ${ref}`).toBe(true);
  }
  const byAgent = new Map<number, { start: number; end: number }[]>();
  for (const a of s.assignments) byAgent.set(a.agent, [...(byAgent.get(a.agent) ?? []), a]);
  for (const list of byAgent.values()) {
    list.sort((x, y) => x.start - y.start || x.end - y.end);
    for (let i = 1; i < list.length; i++) expect(list[i]!.start).toBeGreaterThanOrEqual(list[i - 1]!.end - 1e-9);
  }
  expect(s.agents).toBeGreaterThanOrEqual(Math.max(0, ...s.assignments.map((a) => a.agent)));
  expect(s.makespanHours).toBeGreaterThanOrEqual(s.lowerBoundHours - 1e-6);
}

describe('schedule properties on generated plans', () => {
  it('respects every dependency, never overlaps on an agent, and never beats the lower bound', () => {
    fc.assert(
      fc.property(planArb, fc.integer({ min: 1, max: 8 }), (plan, agents) => {
        checkSchedule(plan, schedule(plan, { agents }));
        checkSchedule(plan, naiveSchedule(plan, { agents }));
      }),
      { numRuns: 300 },
    );
  });

  it('has a critical path whose hours equal the unlimited-agent makespan', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const cp = criticalPath(plan);
        const hours = new Map(plan.tasks.map((t) => [t.key, t.hours]));
        expect(cp.keys.reduce((s, k) => s + hours.get(k)!, 0)).toBeCloseTo(cp.hours);
        expect(schedule(plan, { agents: plan.tasks.length }).makespanHours).toBeCloseTo(cp.hours);
        const tails = remainingCriticalPathHours(plan);
        expect(Math.max(0, ...tails.values())).toBeCloseTo(cp.hours);
      }),
      { numRuns: 300 },
    );
  });

  it('schedules 10,000 tasks', () => {
    const plan = parsePlan(generatedListPlan(100, 100));
    const s = schedule(plan, { agents: 64 });
    expect(s.assignments).toHaveLength(10_000);
    expect(s.makespanHours).toBeGreaterThanOrEqual(s.lowerBoundHours);
  });
});
