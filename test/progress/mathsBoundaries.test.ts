import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  addToTally,
  busySeconds,
  emptyTally,
  etaFromMakespan,
  heartbeatHealth,
  mergeTally,
  percentDone,
  totals,
  utilisationPercent,
  velocityPerDay,
} from '../../app/progress/maths.js';
import { NOW, ago } from './fixedNow.js';

/**
 * The edges of the progress maths that test/progress/maths.test.ts leaves open (found by mutation
 * testing): exact boundaries, history in any order, tallies merged, the bases of an ETA.
 */

describe('tallies', () => {
  it('leaves the tally untouched for a status it does not know', () => {
    const t = emptyTally();
    addToTally(t, 'bogus', 5, 50);
    expect(t).toEqual(emptyTally());
  });

  it('merges one tally into another, status by status', () => {
    const a = emptyTally();
    addToTally(a, 'done', 1, 2.5);
    addToTally(a, 'pending', 2, 4);
    const b = emptyTally();
    addToTally(b, 'done', 2, 0.25);
    addToTally(b, 'cancelled', 1, 3);
    mergeTally(a, b);
    expect(a.tasks).toMatchObject({ done: 3, pending: 2, cancelled: 1 });
    expect(a.hours).toMatchObject({ done: 2.75, pending: 4, cancelled: 3 });
    expect(totals(a)).toEqual({ tasksTotal: 5, tasksDone: 3, hoursTotal: 6.75, hoursDone: 2.75 });
  });

  it('falls back to the share of tasks done: 2 of 3 is 66.67', () => {
    expect(percentDone({ hoursDone: 0, hoursTotal: 0, tasksDone: 2, tasksTotal: 3 })).toBe(66.67);
  });
});

describe('velocity edges', () => {
  it('ignores snapshots after now and reads history in any order', () => {
    const pts = [
      { at: NOW, hoursDone: 38 },
      { at: new Date(NOW.getTime() + DAY_MS), hoursDone: 500 },
      { at: ago(3 * DAY_MS), hoursDone: 30 },
      { at: ago(7 * DAY_MS), hoursDone: 10 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 7 })).toBe(4);
  });

  it('interpolates from a non-zero start: 20 h ten days ago, 120 h now, a 5-day window', () => {
    // At the window start the line is at 20 + 100 × 5/10 = 70: 50 h over 5 days.
    const pts = [
      { at: ago(10 * DAY_MS), hoursDone: 20 },
      { at: NOW, hoursDone: 120 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 5 })).toBe(10);
  });

  it('interpolates between the snapshots either side of the start, not the first and the last', () => {
    // Window start 4 days ago lies between 6 days ago (0 h) and 2 days ago (40 h): 20 h there.
    const pts = [
      { at: ago(6 * DAY_MS), hoursDone: 0 },
      { at: ago(2 * DAY_MS), hoursDone: 40 },
      { at: NOW, hoursDone: 60 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 4 })).toBe(10);
  });

  it('gives no velocity (and does not fail) when the history ended before the window', () => {
    const pts = [
      { at: ago(10 * DAY_MS), hoursDone: 0 },
      { at: ago(9 * DAY_MS), hoursDone: 9 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 7 })).toBeNull();
  });

  it('counts history exactly as long as the minimum span, and not a millisecond less', () => {
    expect(velocityPerDay([{ at: ago(HOUR_MS), hoursDone: 0 }, { at: NOW, hoursDone: 1 }], NOW)).toBe(24);
    expect(velocityPerDay([{ at: ago(HOUR_MS - 1), hoursDone: 0 }, { at: NOW, hoursDone: 1 }], NOW)).toBeNull();
    expect(velocityPerDay([{ at: ago(2 * HOUR_MS), hoursDone: 0 }, { at: NOW, hoursDone: 1 }], NOW, { minSpanHours: 3 })).toBeNull();
  });
});

describe('ETA from a makespan', () => {
  it('names its basis even when nothing is left', () => {
    expect(etaFromMakespan(0, 2, 5, NOW)).toEqual({ hours: 0, days: 0, date: NOW.toISOString(), basis: 'observed_rate' });
    expect(etaFromMakespan(0, 2, null, NOW)).toMatchObject({ basis: 'estimate_pace' });
    expect(etaFromMakespan(0, 2, 0, NOW)).toMatchObject({ basis: 'estimate_pace' });
    expect(etaFromMakespan(-1, 2, -3, NOW)).toMatchObject({ hours: 0, basis: 'estimate_pace' });
    // Nothing left is done now, with no worker too (not "no date" as with work left and no one).
    expect(etaFromMakespan(0, 0, null, NOW)).toEqual({ hours: 0, days: 0, date: NOW.toISOString(), basis: 'estimate_pace' });
  });

  it('works with one worker, and falls back to estimate pace without a positive velocity', () => {
    expect(etaFromMakespan(24, 1, 12, NOW)).toMatchObject({ days: 2, basis: 'observed_rate' });
    expect(etaFromMakespan(48, 1, 0, NOW)).toMatchObject({ days: 2, basis: 'estimate_pace' });
    expect(etaFromMakespan(48, 1, -4, NOW)).toMatchObject({ days: 2, basis: 'estimate_pace' });
  });
});

describe('utilisation and heartbeat boundaries', () => {
  it('is 0 without capacity or a window, and never negative', () => {
    expect(utilisationPercent(3600, 0, 3600)).toBe(0);
    expect(utilisationPercent(3600, 1, -5)).toBe(0);
    expect(utilisationPercent(-3600, 1, 7200)).toBe(0);
    expect(utilisationPercent(1800, 1, 7200)).toBe(25);
  });

  it('counts nothing for intervals outside the window', () => {
    const start = ago(10 * HOUR_MS);
    const busy = busySeconds(
      [
        { from: ago(20 * HOUR_MS), to: ago(12 * HOUR_MS) }, // before the window
        { from: new Date(NOW.getTime() + HOUR_MS), to: null }, // after it
        { from: ago(HOUR_MS), to: NOW },
      ],
      start,
      NOW,
    );
    expect(busy).toBe(3600);
  });

  it('is healthy up to exactly half a lease and late up to exactly a lease', () => {
    expect(heartbeatHealth(300, 600, true)).toBe('healthy');
    expect(heartbeatHealth(301, 600, true)).toBe('late');
    expect(heartbeatHealth(600, 600, true)).toBe('late');
    expect(heartbeatHealth(0, 600, true)).toBe('healthy');
  });
});
