import { describe, expect, it } from 'vitest';
import { eligibility, engineCompare, orderMergeQueue, type MergeQueueInput } from '../../app/core/mergeOrder.js';

/** The merge queue's order and eligibility, pure. */
const entry = (key: string, o: Partial<MergeQueueInput> = {}): MergeQueueInput => ({
  key,
  dependsOn: [],
  criticalPathHours: 10,
  priority: 2,
  since: 1000,
  approvals: { approved: 1, required: 1 },
  checks: 'success',
  ...o,
});

describe('eligibility', () => {
  it('is ready when approved, green and free of open dependencies', () => {
    expect(eligibility(entry('a'))).toEqual({ state: 'ready', waits: [], why: [] });
    expect(eligibility(entry('a', { checks: 'none', dependsOn: [{ key: 'b', done: true }] }))).toEqual({ state: 'ready', waits: [], why: [] });
  });

  it('waits for approvals, pending checks and dependencies, in words', () => {
    expect(eligibility(entry('a', { approvals: { approved: 0, required: 2 } })).waits).toEqual(['waiting for 2 more approvals (0 of 2)']);
    expect(eligibility(entry('a', { approvals: { approved: 1, required: 2 } })).waits).toEqual(['waiting for 1 more approval (1 of 2)']);
    expect(eligibility(entry('a', { checks: 'pending', checkNames: ['ci'] }))).toEqual({
      state: 'waiting',
      waits: ['waiting for checks: ci'],
      why: [{ reason: 'checks', detail: 'waiting for checks: ci' }],
    });
    expect(eligibility(entry('a', { checks: 'pending' })).waits).toEqual(['waiting for checks']);
    expect(eligibility(entry('a', { dependsOn: [{ key: '1.2', done: false, prNumber: 7 }, { key: '1.3', done: false }] })).waits).toEqual([
      "waiting for 1.2's PR #7",
      "waiting for 1.3's PR (none yet)",
    ]);
  });

  it('is blocked on requested changes or failed checks, naming at most five checks', () => {
    expect(eligibility(entry('a', { approvals: { approved: 1, required: 1, changesRequested: 1 } }))).toEqual({
      state: 'blocked',
      waits: ['changes requested by 1 reviewer'],
      why: [{ reason: 'changes_requested', detail: 'changes requested by 1 reviewer' }],
    });
    expect(eligibility(entry('a', { approvals: { approved: 1, required: 1, changesRequested: 2 } })).waits).toEqual(['changes requested by 2 reviewers']);
    expect(eligibility(entry('a', { approvals: { approved: 1, required: 1, changesRequested: 0 } })).state).toBe('ready');
    expect(eligibility(entry('a', { checks: 'failure', checkNames: ['a', 'b', 'c', 'd', 'e', 'f'] }))).toMatchObject({ state: 'blocked', waits: ['checks failed: a, b, c, d, e, ...'] });
    expect(eligibility(entry('a', { checks: 'failure', checkNames: ['a', 'b', 'c', 'd', 'e'] })).waits).toEqual(['checks failed: a, b, c, d, e']);
    expect(eligibility(entry('a', { checks: 'failure' })).waits).toEqual(['checks failed']);
  });
});

describe('order', () => {
  it('follows the engine: critical path, priority, age (Date, ISO or ms), key', () => {
    expect(engineCompare(entry('a', { criticalPathHours: 20 }), entry('b'))).toBeLessThan(0);
    expect(engineCompare(entry('a', { priority: 1 }), entry('b'))).toBeLessThan(0);
    expect(engineCompare(entry('a', { since: new Date(5) }), entry('b', { since: '1970-01-01T00:00:00.006Z' }))).toBeLessThan(0);
    expect(engineCompare(entry('a', { since: 'not a date' }), entry('b', { since: 1e15 }))).toBeGreaterThan(0);
    expect(engineCompare(entry('a'), entry('b'))).toBeLessThan(0);
    expect(engineCompare(entry('b'), entry('a'))).toBeGreaterThan(0);
    expect(engineCompare(entry('a'), entry('a'))).toBe(0);
  });

  it('puts prerequisites first, numbers positions from 1, and leaves its input alone', () => {
    const input = [entry('late', { criticalPathHours: 50, dependsOn: [{ key: 'early', done: false }, { key: 'early', done: false }] }), entry('early', { criticalPathHours: 1 }), entry('other', { criticalPathHours: 5 })];
    const copy = structuredClone(input);
    const out = orderMergeQueue(input);
    expect(out.map((e) => [e.key, e.position, e.state])).toEqual([
      ['other', 1, 'ready'],
      ['early', 2, 'ready'],
      ['late', 3, 'waiting'],
    ]);
    expect(out[2]!.waitingFor).toBe("waiting for early's PR (none yet); waiting for early's PR (none yet)");
    expect(out[0]!.waitingFor).toBeNull();
    expect(input).toEqual(copy);
  });

  it('ignores done, unknown and self dependencies for the order', () => {
    const out = orderMergeQueue([
      entry('a', { criticalPathHours: 1, dependsOn: [{ key: 'a', done: false }, { key: 'zz', done: false }, { key: 'b', done: true }] }),
      entry('b', { criticalPathHours: 9 }),
    ]);
    expect(out.map((e) => e.key)).toEqual(['b', 'a']);
  });

  it('keeps a dependency cycle in engine order, waiting, and names the others in it', () => {
    const out = orderMergeQueue([
      entry('x', { criticalPathHours: 1, dependsOn: [{ key: 'y', done: false }] }),
      entry('y', { criticalPathHours: 2, dependsOn: [{ key: 'x', done: false }] }),
      entry('free', { criticalPathHours: 0 }),
    ]);
    expect(out.map((e) => [e.key, e.state])).toEqual([
      ['free', 'ready'],
      ['y', 'waiting'],
      ['x', 'waiting'],
    ]);
    expect(out[1]!.waits).toEqual(["waiting for x's PR (none yet)", 'dependency cycle with x']);
  });

  it('puts entries already being merged first', () => {
    const out = orderMergeQueue([entry('a', { criticalPathHours: 9 }), entry('b', { criticalPathHours: 1 })], (e) => e.key === 'b');
    expect(out.map((e) => [e.key, e.position])).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
  });
});
