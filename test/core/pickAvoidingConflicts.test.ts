import { describe, expect, it } from 'vitest';
import { pickAvoidingConflicts } from '../../app/core/pickAvoidingConflicts.js';

/**
 * The conflict-aware pick (more through the scheduler in test/plan/footprint.test.ts): the queue
 * ahead draining through every lane open on the files, the boundary between "its own path cannot
 * wait" and "the queue on its files cannot wait", and which candidate opens the extra lane.
 * Candidates and busy tasks are built inside each test (Stryker switches mutants per test).
 */
const HOT = ['src/hot.ts'];
const OTHER = ['src/other.ts'];
const cand = (pathHours: number, hours = 4, footprint: readonly string[] = HOT) => ({ footprint, pathHours, hours });
const busy = (hoursLeft: number, footprint: readonly string[] = HOT) => ({ footprint, hoursLeft });

describe('pickAvoidingConflicts: the queue ahead drains through every lane open on the files', () => {
  it('with two tasks already on the file, a task that can wait for the queue to drain through both is not co-scheduled a third time', () => {
    // Queue ahead on the file: 6 h (one candidate). Two lanes hold it for 2 h each.
    // One lane at a time would make it 5 + 2 + 6 = 13 h > 10 h and open a third lane; through
    // both lanes it starts after max(2, (2 + 2 + 6) / 2) = 5 h and ends at 10 h: it can wait.
    expect(pickAvoidingConflicts([cand(3, 6), cand(5)], [busy(2), busy(2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    // A path that cannot wait even for the two lanes alone (9 + 2 > 10) goes itself.
    expect(pickAvoidingConflicts([cand(3, 6), cand(9)], [busy(2), busy(2)], 'avoid', 10)).toEqual({ index: 1 });
  });

  it('one lane is the plain wait: the work under way, then the queue ahead', () => {
    // 5 + 2 + 4 = 11 h > 10 h: goes; with 2 h queued (9 h) it waits.
    expect(pickAvoidingConflicts([cand(3, 4), cand(5)], [busy(2)], 'avoid', 10)).toEqual({ index: 1 });
    expect(pickAvoidingConflicts([cand(3, 2), cand(5)], [busy(2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
  });

  it('when the queue on a file needs one more lane, the longest task that ends before the one it joins opens it', () => {
    // One lane, 6 h left; queue ahead 8 h: the second candidate (path 3 h) would end at
    // 3 + 6 + 8 = 17 h > 10 h, though its own path could wait for the work under way (3 + 6).
    // Of the tasks on the file, the 5 h one fits inside the 6 h left (one pair for its whole run);
    // the 8 h one would outlast it and meet the next task started on the file.
    const picked = pickAvoidingConflicts([cand(4, 8), cand(3, 2), cand(2, 5), cand(1, 3)], [busy(6)], 'avoid', 10);
    expect(picked).toEqual({ index: 2 });
    // None fits inside: the longest on the file opens the lane.
    expect(pickAvoidingConflicts([cand(4, 8), cand(3, 7)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
  });
});

describe('pickAvoidingConflicts: own path or the queue on its files', () => {
  it('a path that ends exactly on the horizon after the work under way can wait: the queue opens the lane instead', () => {
    // Second candidate: 8 + 2 = 10 h fits the 10 h horizon; with the 5 h queued ahead (15 h) it does
    // not, so the lane goes to the longest task on the file (the first, 5 h), not to itself.
    expect(pickAvoidingConflicts([cand(4, 5), cand(8, 4)], [busy(2)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('a path over the horizon by no more than the rounding tolerance (1e-9 h) still waits', () => {
    // The tolerance is inclusive: sums of fractional hours must not flip a task that ends on the horizon.
    expect(pickAvoidingConflicts([cand(10 + 1e-9, 4)], [busy(0)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    // The same for "its own path can wait for the work under way": with 4 h queued ahead it is the
    // queue that cannot wait, so the queue's lane opener (the 4 h task ahead) goes, not this one.
    expect(pickAvoidingConflicts([cand(4, 4), cand(10 + 1e-9, 1)], [busy(0)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('divides the work under way over the lanes holding the files when deciding whether its own path can wait', () => {
    // Two lanes of 2 h: 7 + 4 / 2 = 9 h fits; with 4 h queued, 7 + 8 / 2 = 11 h does not, so the
    // queue's lane opener (the 4 h task ahead) goes.
    expect(pickAvoidingConflicts([cand(4, 4), cand(7, 2)], [busy(2), busy(2)], 'avoid', 10)).toEqual({ index: 0 });
  });
});

describe('pickAvoidingConflicts: which candidate opens the lane', () => {
  it('only candidates on the same files are considered, even longer ones behind in the queue', () => {
    // The second candidate triggers (3 + 6 + 8 = 17 h > 10 h); the 20 h task on other files (third)
    // is not on the queue's files, so the 8 h one opens the lane.
    expect(pickAvoidingConflicts([cand(4, 8), cand(3, 7), cand(1, 20, OTHER)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('among equally long tasks on the files, the first in queue order opens the lane', () => {
    // Nothing fits inside the 1 h left; the first and third are both 8 h: the first goes.
    expect(pickAvoidingConflicts([cand(4, 8), cand(3, 2), cand(2, 8)], [busy(1)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('a task that fits inside the one under way opens the lane even when it is first in the queue', () => {
    // The second triggers (3 + 6 + 5 = 14 h > 10 h); the first (5 h) fits inside the 6 h left, the
    // second (8 h) is the longest: the one that fits goes.
    expect(pickAvoidingConflicts([cand(4, 5), cand(3, 8)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('a task exactly as long as the one under way still fits inside it', () => {
    // The 6 h task ends with the 6 h left: inside; the 7 h one is longer but would outlast it.
    expect(pickAvoidingConflicts([cand(4, 6), cand(3, 7)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
    // Within the rounding tolerance (1e-9 h) of it counts as exactly as long.
    expect(pickAvoidingConflicts([cand(4, 6 + 1e-9), cand(3, 7)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('of two tasks that fit inside, the longer goes; of equal ones, the first', () => {
    expect(pickAvoidingConflicts([cand(4, 3), cand(3.5, 2), cand(3, 5), cand(2, 9)], [busy(6)], 'avoid', 10)).toEqual({ index: 2 });
    expect(pickAvoidingConflicts([cand(4, 3), cand(3.5, 3), cand(3, 9)], [busy(6)], 'avoid', 10)).toEqual({ index: 0 });
  });

  it('with two lanes on the files nothing counts as fitting inside one task: the longest opens the third', () => {
    // Two lanes of 3 h: the first (path 4 h) waits, 4 + 6 / 2 = 7 h; the second, 3 + (6 + 2) / 2 = 7 h,
    // fits too; the third, 6 + (6 + 2 + 1) / 2 = 10.5 h, does not, while 6 + 3 = 9 h could wait.
    // The 2 h and 1 h tasks are shorter than the 3 h left, but with two lanes they are not "inside".
    expect(pickAvoidingConflicts([cand(4, 2), cand(3, 1), cand(6, 4)], [busy(3), busy(3)], 'avoid', 10)).toEqual({ index: 2 });
  });
});
