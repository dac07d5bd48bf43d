import { describe, expect, it } from 'vitest';
import { pickAvoidingConflicts } from '../../app/core/pickAvoidingConflicts.js';

const HOT = ['src/hot.ts'];
const cand = (pathHours: number, hours = 4, footprint: string[] = HOT) => ({ footprint, pathHours, hours });
const busy = (hoursLeft: number, footprint: string[] = HOT) => ({ footprint, hoursLeft });

describe('pickAvoidingConflicts: the queue ahead drains through every lane open on the files', () => {
  it('with two tasks already on the file, a task that can wait for the queue to drain through both is not co-scheduled a third time', () => {
    // Queue ahead on the file: 6 h (one candidate). Two lanes hold it for 2 h each.
    // One lane at a time would make it 5 + 2 + 6 = 13 h > 10 h and open a third lane; through
    // both lanes it starts after max(2, (2 + 2 + 6) / 2) = 5 h and ends at 10 h: it can wait.
    expect(pickAvoidingConflicts([cand(3, 6), cand(5)], [busy(2), busy(2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    // A path that cannot wait even so (6 + 5 > 10) still goes.
    expect(pickAvoidingConflicts([cand(3, 6), cand(6)], [busy(2), busy(2)], 'avoid', 10)).toEqual({ index: 1 });
  });

  it('one lane is the plain wait: the work under way, then the queue ahead', () => {
    // 5 + 2 + 4 = 11 h > 10 h: goes; with 2 h queued (9 h) it waits.
    expect(pickAvoidingConflicts([cand(3, 4), cand(5)], [busy(2)], 'avoid', 10)).toEqual({ index: 1 });
    expect(pickAvoidingConflicts([cand(3, 2), cand(5)], [busy(2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
  });
});
