import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  FleetError,
  ForbiddenError,
  IllegalTransitionError,
  NotFoundError,
  StaleEpochError,
  UnauthorizedError,
  ValidationError,
} from '../../app/core/errors.js';
// Fills the table of legal moves the messages quote (errors.ts cannot import it: a cycle).
import '../../app/core/taskStatus.js';

/**
 * The typed errors. Each is built inside its test, not in an `it.each` table: a table is built at
 * collection time, before Stryker switches a mutant on, so it would never see a mutant in a field
 * initialiser or a constructor.
 */
describe('typed errors', () => {
  it('each carries its HTTP status, code and own class name', () => {
    const table: [FleetError, number, string, string][] = [
      [new FleetError('x'), 500, 'internal', 'FleetError'],
      [new NotFoundError('x'), 404, 'not_found', 'NotFoundError'],
      [new ConflictError('x'), 409, 'conflict', 'ConflictError'],
      [new ValidationError('x'), 400, 'invalid', 'ValidationError'],
      [new ForbiddenError('x'), 403, 'forbidden', 'ForbiddenError'],
      [new UnauthorizedError('x'), 401, 'unauthorized', 'UnauthorizedError'],
      [new StaleEpochError('x'), 409, 'stale_epoch', 'StaleEpochError'],
    ];
    for (const [e, status, code, name] of table) {
      expect({ status: e.status, code: e.code, name: e.name, message: e.message }).toEqual({ status, code, name, message: 'x' });
      expect(e).toBeInstanceOf(FleetError);
    }
  });

  it('passes the cause on to Error', () => {
    const cause = new Error('root');
    expect(new NotFoundError('x', { cause }).cause).toBe(cause);
  });

  it('an illegal move is a conflict that names the move, the task and the legal moves', () => {
    const e = new IllegalTransitionError('cancelled', 'done', '4.2');
    expect(e).toBeInstanceOf(ConflictError);
    expect({ status: e.status, code: e.code, name: e.name, from: e.from, to: e.to, taskKey: e.taskKey }).toEqual({
      status: 409,
      code: 'illegal_transition',
      name: 'IllegalTransitionError',
      from: 'cancelled',
      to: 'done',
      taskKey: '4.2',
    });
    expect(e.message).toBe('task 4.2 cannot go from cancelled to done; from cancelled it may go to: pending');
    expect(new IllegalTransitionError('cancelled', 'done').message).toBe('task cannot go from cancelled to done; from cancelled it may go to: pending');
    expect(new IllegalTransitionError('failed', 'assigned', '1.1').message).toBe('task 1.1 cannot go from failed to assigned; from failed it may go to: pending, cancelled, done');
    expect(new IllegalTransitionError('nowhere', 'done').message).toBe('task cannot go from nowhere to done; from nowhere it may go to: nothing');
  });
});
