import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  HOUR_MS,
  addToTally,
  busySeconds,
  emptyTally,
  etaByVelocity,
  etaFromMakespan,
  heartbeatHealth,
  percentDone,
  totals,
  utilisationPercent,
  velocityPerDay,
} from '../../app/progress/maths.js';
import { NOW, ago } from './fixedNow.js';
import { simulateRemaining, type SimTask } from '../../app/progress/simulate.js';
import { criticalPath } from '../../app/progress/graph.js';
import { orderMergeQueue, type MergeQueueInput } from '../../app/core/mergeOrder.js';


describe('percent weighted by hours', () => {
  it('8 of 564 hours done is 1.42', () => {
    expect(percentDone({ hoursDone: 8, hoursTotal: 564, tasksDone: 1, tasksTotal: 27 })).toBe(1.42);
  });

  it('weighs by hours, not by task count', () => {
    // One 2h task of two done: by count 50%, by hours 2/10 = 20%.
    const t = emptyTally();
    addToTally(t, 'done', 1, 2);
    addToTally(t, 'pending', 1, 8);
    expect(percentDone(totals(t))).toBe(20);
  });

  it('leaves cancelled work out of the denominator', () => {
    const t = emptyTally();
    addToTally(t, 'done', 1, 8);
    addToTally(t, 'cancelled', 3, 100);
    addToTally(t, 'pending', 1, 8);
    expect(totals(t)).toEqual({ tasksTotal: 2, tasksDone: 1, hoursTotal: 16, hoursDone: 8 });
    expect(percentDone(totals(t))).toBe(50);
  });

  it('falls back to task counts without estimates, and an empty group is complete', () => {
    expect(percentDone({ hoursDone: 0, hoursTotal: 0, tasksDone: 1, tasksTotal: 3 })).toBe(33.33);
    expect(percentDone({ hoursDone: 0, hoursTotal: 0, tasksDone: 0, tasksTotal: 0 })).toBe(100);
  });

  it('ignores unknown statuses instead of counting them', () => {
    const t = emptyTally();
    addToTally(t, 'bogus', 5, 50);
    expect(totals(t).tasksTotal).toBe(0);
  });
});

describe('velocity from snapshots over a window', () => {
  it('is completed estimate-hours per day between the window start and the latest point', () => {
    const pts = [
      { at: ago(7 * DAY_MS), hoursDone: 10 },
      { at: ago(3 * DAY_MS), hoursDone: 30 },
      { at: NOW, hoursDone: 38 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 7 })).toBe(4); // 28 h over 7 days
  });

  it('only looks inside the window: older history does not dilute it', () => {
    const pts = [
      { at: ago(30 * DAY_MS), hoursDone: 0 },
      { at: ago(2 * DAY_MS), hoursDone: 0 },
      { at: NOW, hoursDone: 20 },
    ];
    // Window of 2 days: 20 h / 2 days.
    expect(velocityPerDay(pts, NOW, { windowDays: 2 })).toBe(10);
  });

  it('interpolates at the window start between the snapshots either side', () => {
    const pts = [
      { at: ago(10 * DAY_MS), hoursDone: 0 },
      { at: ago(0), hoursDone: 100 },
    ];
    // At 5 days ago the line is at 50; 50 h over 5 days.
    expect(velocityPerDay(pts, NOW, { windowDays: 5 })).toBe(10);
  });

  it('uses younger history as it is when the window is wider', () => {
    const pts = [
      { at: ago(2 * DAY_MS), hoursDone: 4 },
      { at: NOW, hoursDone: 12 },
    ];
    expect(velocityPerDay(pts, NOW, { windowDays: 7 })).toBe(4);
  });

  it('is null without enough history, and never counts estimates of unfinished work', () => {
    expect(velocityPerDay([], NOW)).toBeNull();
    expect(velocityPerDay([{ at: NOW, hoursDone: 50 }], NOW)).toBeNull();
    expect(velocityPerDay([{ at: ago(10 * 60_000), hoursDone: 0 }, { at: NOW, hoursDone: 8 }], NOW)).toBeNull();
    expect(velocityPerDay([{ at: ago(DAY_MS), hoursDone: 8 }, { at: NOW, hoursDone: 8 }], NOW)).toBe(0);
  });

  it('goes negative when done work is reopened (and the ETA by velocity is then not computable)', () => {
    const v = velocityPerDay([{ at: ago(DAY_MS), hoursDone: 16 }, { at: NOW, hoursDone: 8 }], NOW);
    expect(v).toBe(-8);
    expect(etaByVelocity(100, v, NOW)).toBeNull();
  });
});

describe('ETA', () => {
  it('by velocity: remaining / velocity, with the date', () => {
    expect(etaByVelocity(556, 8, NOW)).toEqual({ hours: 556, days: 69.5, date: new Date(NOW.getTime() + 69.5 * DAY_MS).toISOString() });
    expect(etaByVelocity(10, null, NOW)).toBeNull();
    expect(etaByVelocity(10, 0, NOW)).toBeNull();
    expect(etaByVelocity(0, null, NOW)).toEqual({ hours: 0, days: 0, date: NOW.toISOString() });
  });

  it('by simulation: the makespan at the observed rate per worker, else at estimate pace', () => {
    // 3 workers doing 12 estimate-hours a day together: 4 h/day each; 40 h makespan = 10 days.
    const e = etaFromMakespan(40, 3, 12, NOW)!;
    expect(e).toMatchObject({ hours: 40, days: 10, basis: 'observed_rate' });
    expect(e.date).toBe(new Date(NOW.getTime() + 10 * DAY_MS).toISOString());
    expect(etaFromMakespan(48, 2, null, NOW)).toMatchObject({ days: 2, basis: 'estimate_pace' });
    expect(etaFromMakespan(48, 0, 10, NOW)).toBeNull();
  });
});

describe('utilisation and heartbeat health', () => {
  it('busy time over capacity x window, clipped to the window', () => {
    const start = ago(10 * HOUR_MS);
    const busy = busySeconds(
      [
        { from: ago(12 * HOUR_MS), to: ago(8 * HOUR_MS) }, // 2 h inside
        { from: ago(3 * HOUR_MS), to: null }, // 3 h, still running
      ],
      start,
      NOW,
    );
    expect(busy).toBe(5 * 3600);
    expect(utilisationPercent(busy, 1, 10 * 3600)).toBe(50);
    expect(utilisationPercent(busy, 2, 10 * 3600)).toBe(25);
    expect(utilisationPercent(busy * 10, 1, 10 * 3600)).toBe(100);
    expect(utilisationPercent(100, 1, 0)).toBe(0);
  });

  it('heartbeat health follows the lease', () => {
    expect(heartbeatHealth(10, 600, true)).toBe('healthy');
    expect(heartbeatHealth(400, 600, true)).toBe('late');
    expect(heartbeatHealth(601, 600, true)).toBe('dead');
    expect(heartbeatHealth(null, 600, true)).toBe('never');
    expect(heartbeatHealth(1, 600, false)).toBe('inactive');
  });
});

const task = (id: number, hours: number, extra: Partial<SimTask> = {}): SimTask => ({ id, epicId: 1, hours, status: 'pending', level: hours, priority: 2, ...extra });

describe('simulation (HLFET list scheduling)', () => {
  const epics = (hoursTotal: number, hoursDone = 0) => [{ id: 1, hoursTotal, hoursDone, tasksTotal: 10, tasksDone: 0 }];

  it('runs independent work in parallel and a chain in sequence', () => {
    const par = simulateRemaining({ tasks: [task(1, 8), task(2, 8), task(3, 8)], edges: [], epics: epics(24), workers: 3 });
    expect(par.makespanHours).toBe(8);
    const chain = simulateRemaining({
      tasks: [task(1, 8), task(2, 8), task(3, 8)],
      edges: [
        { taskId: 2, epicId: null, dependsOnTaskId: 1, dependsOnEpicId: null, thresholdPercent: 100 },
        { taskId: 3, epicId: null, dependsOnTaskId: 2, dependsOnEpicId: null, thresholdPercent: 100 },
      ],
      epics: epics(24),
      workers: 3,
    });
    expect(chain.makespanHours).toBe(24);
  });

  it('takes the highest level first (HLFET), which shortens the makespan', () => {
    // 1 -> 2 is a 10+10 chain; 3 and 4 are 5 h each. Two workers: starting the chain first gives 20.
    const r = simulateRemaining({
      tasks: [task(1, 10, { level: 20 }), task(2, 10, { level: 10 }), task(3, 5, { level: 5 }), task(4, 5, { level: 5 })],
      edges: [{ taskId: 2, epicId: null, dependsOnTaskId: 1, dependsOnEpicId: null, thresholdPercent: 100 }],
      epics: epics(30),
      workers: 2,
    });
    expect(r.makespanHours).toBe(20);
    expect(r.finish.get(1)).toBe(10);
  });

  it('counts running work from where it is, and in-review work as needing no agent', () => {
    const r = simulateRemaining({
      tasks: [task(1, 10, { status: 'in_progress', percentComplete: 50 }), task(2, 4, { status: 'in_review' }), task(3, 2)],
      edges: [{ taskId: 3, epicId: null, dependsOnTaskId: 2, dependsOnEpicId: null, thresholdPercent: 100 }],
      epics: epics(16),
      workers: 1,
    });
    // Task 1 keeps the only worker for 5 h; 3 waits for it: 5 + 2.
    expect(r.makespanHours).toBe(7);
  });

  it('opens an epic dependency at its threshold of hours', () => {
    // Epic 2 waits for epic 1 at 50%: epic 1 is two 10 h tasks, one worker.
    const r = simulateRemaining({
      tasks: [task(1, 10, { level: 30 }), task(2, 10, { level: 10 }), task(3, 1, { epicId: 2, level: 20 })],
      edges: [{ taskId: null, epicId: 2, dependsOnTaskId: null, dependsOnEpicId: 1, thresholdPercent: 50 }],
      epics: [
        { id: 1, hoursTotal: 20, hoursDone: 0, tasksTotal: 2, tasksDone: 0 },
        { id: 2, hoursTotal: 1, hoursDone: 0, tasksTotal: 1, tasksDone: 0 },
      ],
      workers: 1,
    });
    expect(r.finish.get(1)).toBe(10);
    expect(r.finish.get(3)).toBe(11); // opened at 50%, and its higher level beats task 2
    expect(r.makespanHours).toBe(21);
  });

  it('reports work stuck on a cycle instead of looping', () => {
    const r = simulateRemaining({
      tasks: [task(1, 1), task(2, 1)],
      edges: [
        { taskId: 1, epicId: null, dependsOnTaskId: 2, dependsOnEpicId: null, thresholdPercent: 100 },
        { taskId: 2, epicId: null, dependsOnTaskId: 1, dependsOnEpicId: null, thresholdPercent: 100 },
      ],
      epics: epics(2),
      workers: 2,
    });
    expect(r.stuck.sort()).toEqual([1, 2]);
  });
});

describe('graph helpers', () => {
  it('finds the critical path of remaining hours', () => {
    const cp = criticalPath(
      [
        { id: 1, hours: 8 },
        { id: 2, hours: 16 },
        { id: 3, hours: 4 },
        { id: 4, hours: 8 },
      ],
      [
        [1, 2],
        [1, 3],
        [3, 4],
      ],
    );
    expect(cp).toEqual({ path: [1, 2], hours: 24 });
  });

  it('orders by dependencies first, then by rank, and survives a cycle', () => {
    // The merge queue's order (the one the runner merges in); rank is the engine's order.
    const dependencyOrder = (entries: { id: number; rank: number }[], edges: [number, number][]) =>
      orderMergeQueue(
        entries.map(
          (e): MergeQueueInput & { id: number } => ({
            id: e.id,
            key: String(e.id),
            dependsOn: edges.filter(([, b]) => b === e.id).map(([a]) => ({ key: String(a), done: false })),
            criticalPathHours: 0,
            priority: e.rank,
            since: 0,
            approvals: { approved: 1, required: 1 },
            checks: 'success',
          }),
        ),
      );
    const order = dependencyOrder(
      [
        { id: 1, rank: 0 },
        { id: 2, rank: 1 },
        { id: 3, rank: 2 },
      ],
      [[3, 1]],
    );
    expect(order.map((e) => e.id)).toEqual([2, 3, 1]);
    const cyc = dependencyOrder(
      [
        { id: 1, rank: 0 },
        { id: 2, rank: 1 },
      ],
      [
        [1, 2],
        [2, 1],
      ],
    );
    expect(cyc.map((e) => e.id).sort()).toEqual([1, 2]);
  });
});
