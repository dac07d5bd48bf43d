import { describe, expect, it } from 'vitest';
import { checkConclusion, eligibility, engineCompare, orderMergeQueue, reviewsAllowMerge, type MergeQueueInput } from '../../app/core/mergeOrder.js';

/**
 * The merge queue's order and eligibility, pure. Every input is built inside its test: Stryker
 * switches a mutant on per test, after module load.
 */
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

describe('checkConclusion', () => {
  it('reads no conclusion yet (null, undefined or empty) as still running', () => {
    expect(checkConclusion(null)).toBe('pending');
    expect(checkConclusion(undefined)).toBe('pending');
    expect(checkConclusion('')).toBe('pending');
  });

  it('reads success, neutral and skipped as green in either case, and anything else as failed', () => {
    expect(checkConclusion('success')).toBe('success');
    expect(checkConclusion('SUCCESS')).toBe('success');
    expect(checkConclusion('Neutral')).toBe('success');
    expect(checkConclusion('skipped')).toBe('success');
    expect(checkConclusion('failure')).toBe('failure');
    expect(checkConclusion('CANCELLED')).toBe('failure');
    expect(checkConclusion('timed_out')).toBe('failure');
  });
});

describe('reviewsAllowMerge', () => {
  it('allows a PR approved as required, with no changes requested and green or no checks', () => {
    expect(reviewsAllowMerge({ approved: 1, required: 1, changesRequested: 0, checks: 'success' })).toBe(true);
    expect(reviewsAllowMerge({ approved: 0, required: 0, changesRequested: 0, checks: 'none' })).toBe(true);
  });

  it('refuses one short of approvals, with changes requested, or with checks failed or running', () => {
    expect(reviewsAllowMerge({ approved: 0, required: 1, changesRequested: 0, checks: 'success' })).toBe(false);
    expect(reviewsAllowMerge({ approved: 1, required: 1, changesRequested: 1, checks: 'success' })).toBe(false);
    expect(reviewsAllowMerge({ approved: 1, required: 1, changesRequested: 0, checks: 'failure' })).toBe(false);
    expect(reviewsAllowMerge({ approved: 1, required: 1, changesRequested: 0, checks: 'pending' })).toBe(false);
  });
});

describe('engineCompare: age given as a Date, an ISO string or milliseconds', () => {
  it('reads a Date to the millisecond, not through its string form (which drops them)', () => {
    // Date(7) is 2 ms after 5; as a string it would read as 0 and come first.
    expect(engineCompare(entry('a', { since: new Date(7) }), entry('b', { since: 5 }))).toBeGreaterThan(0);
  });

  it('reads a number as milliseconds, not as a date string', () => {
    // Parsed as text, "1000000000000" is no date and would sort last.
    expect(engineCompare(entry('a', { since: 1e12 }), entry('b', { since: '2030-01-01T00:00:00Z' }))).toBeLessThan(0);
  });

  it('parses an ISO string rather than taking it for a number', () => {
    expect(engineCompare(entry('a', { since: '1970-01-01T00:00:00.001Z' }), entry('b', { since: 5 }))).toBeLessThan(0);
  });
});

describe('eligibility: the words', () => {
  it('names a dependency by its label when it has one', () => {
    expect(eligibility(entry('a', { dependsOn: [{ key: '7/1.2', label: '1.2', done: false, prNumber: 3 }] })).waits).toEqual([
      "waiting for 1.2's PR #3",
    ]);
  });

  it('says how far an epic threshold is, with the reason code "epic"', () => {
    expect(eligibility(entry('a', { dependsOn: [{ key: 'epic E1', done: false, epic: { percent: 40, threshold: 75 } }] }))).toEqual({
      state: 'waiting',
      waits: ['waiting for epic E1 to reach 75% (now 40%)'],
      why: [{ reason: 'epic', detail: 'waiting for epic E1 to reach 75% (now 40%)' }],
    });
  });

  it('does not block on a count of requested changes that is not positive', () => {
    expect(eligibility(entry('a', { approvals: { approved: 1, required: 1, changesRequested: -1 } })).state).toBe('ready');
  });
});

describe('orderMergeQueue: ties, duplicate keys and cycles', () => {
  it('keeps entries the engine cannot tell apart in their input order, even when one is freed later', () => {
    // Two entries for the same key with the same figures: the first waits for "d", so it joins the
    // candidates after the second, yet it still goes first.
    const first = entry('x', { dependsOn: [{ key: 'd', done: false }] });
    const second = entry('x');
    const out = orderMergeQueue([first, entry('d', { criticalPathHours: 100 }), second]);
    expect(out.map((e) => [e.key, e.state])).toEqual([
      ['d', 'ready'],
      ['x', 'waiting'],
      ['x', 'ready'],
    ]);
  });

  it('makes a dependency on a key queued twice wait for the first of them', () => {
    const out = orderMergeQueue([
      entry('a', { criticalPathHours: 1 }),
      entry('b', { criticalPathHours: 9, dependsOn: [{ key: 'a', done: false }] }),
      entry('a', { criticalPathHours: 0 }),
    ]);
    expect(out.map((e) => [e.key, e.criticalPathHours])).toEqual([
      ['a', 1],
      ['b', 9],
      ['a', 0],
    ]);
  });

  it('does not hold an entry behind a queued prerequisite that is already done', () => {
    const out = orderMergeQueue([entry('a', { criticalPathHours: 9, dependsOn: [{ key: 'b', done: true }] }), entry('b', { criticalPathHours: 1 })]);
    expect(out.map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('places an entry with two queued prerequisites once, after both', () => {
    const out = orderMergeQueue([
      entry('c', { criticalPathHours: 9, dependsOn: [{ key: 'a', done: false }, { key: 'b', done: false }] }),
      entry('a', { criticalPathHours: 5 }),
      entry('b', { criticalPathHours: 1 }),
    ]);
    expect(out.map((e) => [e.key, e.position])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('names every other member of a cycle it waits for, comma-separated', () => {
    const out = orderMergeQueue([
      entry('x', { criticalPathHours: 3, dependsOn: [{ key: 'y', done: false }, { key: 'z', done: false }] }),
      entry('y', { criticalPathHours: 2, dependsOn: [{ key: 'x', done: false }] }),
      entry('z', { criticalPathHours: 1, dependsOn: [{ key: 'x', done: false }] }),
    ]);
    expect(out[0]!.waits.at(-1)).toBe('dependency cycle with y, z');
  });

  it('names only the queued, unfinished members of the cycle, by label, and records why', () => {
    const out = orderMergeQueue([
      entry('x', {
        criticalPathHours: 3,
        dependsOn: [
          { key: 'y', label: 'Y', done: false },
          { key: 'z', done: true },
          { key: 'w', done: false },
          { key: 'gone', done: false },
        ],
      }),
      entry('y', { criticalPathHours: 2, dependsOn: [{ key: 'x', done: false }] }),
      entry('z', { criticalPathHours: 1, dependsOn: [{ key: 'y', done: false }] }),
      entry('w', { criticalPathHours: 0 }),
    ]);
    expect(out.map((e) => [e.key, e.state])).toEqual([
      ['w', 'ready'],
      ['x', 'waiting'],
      ['y', 'waiting'],
      ['z', 'waiting'],
    ]);
    const x = out[1]!;
    // z is in the cycle but done for x; w is queued but placed; "gone" is not queued.
    expect(x.waits.at(-1)).toBe('dependency cycle with Y');
    expect(x.why.at(-1)).toEqual({ reason: 'dependency', detail: 'dependency cycle with Y' });
    expect(x.waitingFor).toBe(x.waits.join('; '));
  });

  it('leaves an entry in a cycle blocked when a person must act on it anyway', () => {
    const out = orderMergeQueue([
      entry('x', { dependsOn: [{ key: 'y', done: false }], approvals: { approved: 1, required: 1, changesRequested: 1 } }),
      entry('y', { dependsOn: [{ key: 'x', done: false }] }),
    ]);
    expect(out.map((e) => [e.key, e.state])).toEqual([
      ['x', 'blocked'],
      ['y', 'waiting'],
    ]);
  });
});
