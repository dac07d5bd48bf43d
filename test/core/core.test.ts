import { describe, expect, it } from 'vitest';
import { compareQueueOrder, queueMember, queueScore, routeAllows, routeOf, type Orderable } from '../../app/core/queueOrder.js';
import { IllegalTransitionError } from '../../app/core/errors.js';
import { LEASED, TASK_STATUSES, TERMINAL, TRANSITIONS, canTransition, isTaskStatus, transition } from '../../app/core/taskStatus.js';

/** The pure core without a database: queue order, routing and the status machine (typed errors: errors.test.ts). */
const T0 = new Date(Date.UTC(2024, 0, 1));
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const task = (o: Partial<Orderable>): Orderable => ({ id: 1, criticalPathHours: 10, priority: 2, readySince: at(0), ...o });

describe('queue order', () => {
  const cases: [string, Orderable, Orderable][] = [
    ['longer critical path first', task({ criticalPathHours: 40 }), task({ criticalPathHours: 10 })],
    ['a hundredth of an hour counts', task({ criticalPathHours: 10.01 }), task({ criticalPathHours: 10 })],
    ['then the lower priority number', task({ priority: 0 }), task({ priority: 1 })],
    ['then the longer wait', task({ readySince: at(5) }), task({ readySince: at(6) })],
    ['then the lower id', task({ id: 3 }), task({ id: 4 })],
    ['never ready sorts as the oldest', task({ readySince: null }), task({ readySince: at(1), id: 0 })],
  ];
  it.each(cases)('%s, in Postgres order and in the Redis score alike', (_name, first, second) => {
    expect(compareQueueOrder(first, second)).toBeLessThan(0);
    expect(compareQueueOrder(second, first)).toBeGreaterThan(0);
    if (first.id === second.id) expect(queueScore(first)).toBeLessThan(queueScore(second));
    else expect(queueScore(first)).toBeLessThanOrEqual(queueScore(second));
  });

  it('equal tasks compare equal', () => {
    expect(compareQueueOrder(task({}), task({}))).toBe(0);
  });

  it('builds the score from its parts exactly', () => {
    expect(queueScore(task({ criticalPathHours: 0, priority: 0, readySince: null }))).toBe(10_000_000 * 4 * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 1, priority: 2, readySince: at(7) }))).toBe(((10_000_000 - 100) * 4 + 2) * 2 ** 24 + 7);
  });

  it('clamps out-of-range parts instead of overflowing', () => {
    const huge = queueScore(task({ criticalPathHours: 1e9, priority: 0, readySince: null }));
    expect(huge).toBe(0);
    expect(queueScore(task({ criticalPathHours: -5, priority: 0, readySince: null }))).toBe(10_000_000 * 4 * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 0, priority: 9, readySince: null }))).toBe((10_000_000 * 4 + 3) * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 0, priority: -2, readySince: null }))).toBe(10_000_000 * 4 * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 0, priority: 1.9, readySince: null }))).toBe((10_000_000 * 4 + 1) * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 0, priority: 0, readySince: new Date(T0.getTime() - 3_600_000) }))).toBe(10_000_000 * 4 * 2 ** 24);
    expect(queueScore(task({ criticalPathHours: 0, priority: 0, readySince: at(2 ** 24 + 3) }))).toBe(10_000_000 * 4 * 2 ** 24 + 3);
    expect(queueScore(task({ criticalPathHours: 0, priority: 0, readySince: new Date(T0.getTime() + 90_000) }))).toBe(10_000_000 * 4 * 2 ** 24 + 1);
    expect(Number.isSafeInteger(queueScore(task({ criticalPathHours: 0, priority: 3, readySince: at(2 ** 24 - 1) })))).toBe(true);
  });

  it('pads members so string order is id order', () => {
    expect(queueMember(42)).toBe('000000000000042');
    expect(queueMember(9) < queueMember(10)).toBe(true);
  });
});

describe('routing', () => {
  it('names the ready set by pool, then sorted unique capabilities, else any', () => {
    expect(routeOf({ requiredPool: null, requiredCapabilities: [] })).toBe('any');
    expect(routeOf({ requiredPool: 'gpu', requiredCapabilities: [] })).toBe('pool:gpu');
    expect(routeOf({ requiredPool: null, requiredCapabilities: ['web', 'node', 'web'] })).toBe('caps:node,web');
    expect(routeOf({ requiredPool: 'gpu', requiredCapabilities: ['cuda'] })).toBe('pool:gpu|caps:cuda');
  });

  it('lets a claimer take a route only when its pool and capabilities fit', () => {
    expect(routeAllows('any', 'x', [])).toBe(true);
    expect(routeAllows('pool:gpu', 'gpu', [])).toBe(true);
    expect(routeAllows('pool:gpu', 'cpu', [])).toBe(false);
    expect(routeAllows('caps:node,web', 'x', ['web', 'node', 'extra'])).toBe(true);
    expect(routeAllows('caps:node,web', 'x', ['node'])).toBe(false);
    expect(routeAllows('pool:gpu|caps:cuda', 'gpu', ['cuda'])).toBe(true);
    expect(routeAllows('pool:gpu|caps:cuda', 'gpu', [])).toBe(false);
    expect(routeAllows('pool:gpu|caps:cuda', 'cpu', ['cuda'])).toBe(false);
    expect(routeAllows('weird:thing', 'x', [])).toBe(false);
  });
});

describe('task status machine', () => {
  it('knows its statuses', () => {
    for (const s of TASK_STATUSES) expect(isTaskStatus(s)).toBe(true);
    expect(isTaskStatus('completed')).toBe(false);
    expect(isTaskStatus(1)).toBe(false);
    expect([...TERMINAL].sort()).toEqual(['cancelled', 'done']);
    expect([...LEASED].sort()).toEqual(['assigned', 'in_progress']);
  });

  it('allows exactly the listed moves, and staying put', () => {
    for (const from of TASK_STATUSES) {
      for (const to of TASK_STATUSES) expect(canTransition(from, to), `${from} -> ${to}`).toBe(from === to || TRANSITIONS[from].includes(to));
      expect(canTransition(from, from)).toBe(true);
    }
    expect(canTransition('cancelled', 'done')).toBe(false);
    expect(canTransition('done', 'pending')).toBe(true);
    expect(transition('done', 'done')).toBe('done');
  });

  it('says what is legal when a move is not', () => {
    const err = (() => {
      try {
        transition('cancelled', 'done', '4.2');
      } catch (e) {
        return e as IllegalTransitionError;
      }
      throw new Error('no error');
    })();
    expect(err).toBeInstanceOf(IllegalTransitionError);
    expect(err.message).toBe('task 4.2 cannot go from cancelled to done; from cancelled it may go to: pending');
    expect(new IllegalTransitionError('cancelled', 'done').message).toBe('task cannot go from cancelled to done; from cancelled it may go to: pending');
    expect(new IllegalTransitionError('nowhere', 'done').message).toMatch(/it may go to: nothing$/);
    expect(err).toMatchObject({ status: 409, code: 'illegal_transition', from: 'cancelled', to: 'done', taskKey: '4.2', name: 'IllegalTransitionError' });
  });
});

describe('routing: a route part it does not know', () => {
  it('refuses it even when the claimer has a capability spelt like its value', () => {
    // An unknown part must not be read as a capability list: "role:gpu" is not "caps:gpu" (both
    // prefixes are five characters, so the value after them reads the same).
    expect(routeAllows('role:gpu', 'x', ['gpu'])).toBe(false);
    expect(routeAllows('caps:gpu', 'x', ['gpu'])).toBe(true);
  });
});
