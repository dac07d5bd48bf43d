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
