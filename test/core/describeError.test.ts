import { describe, expect, it } from 'vitest';
import { describeError } from '../../app/core/describeError.js';

describe('describeError', () => {
  it('is an error message', () => {
    expect(describeError(new Error('GitHub said 502'))).toBe('GitHub said 502');
  });

  it('joins the words of every error an error carries, nested too', () => {
    expect(describeError(new AggregateError([new Error('a'), new AggregateError([new Error('b'), 'c'])], 'outer'))).toBe('a; b; c');
    // GitHub's GraphQL errors, as Octokit carries them: plain objects with a message.
    const graphql = Object.assign(new Error('Request failed due to following response errors'), { errors: [{ type: 'NOT_FOUND', message: 'no such node' }] });
    expect(describeError(graphql)).toBe('no such node');
  });

  it('falls back to the message when the list of errors is empty', () => {
    expect(describeError(new AggregateError([], 'nothing inside'))).toBe('nothing inside');
    expect(describeError(Object.assign(new Error('outer'), { errors: 'not a list' }))).toBe('outer');
  });

  it("adds a cause's code, else its message, else says the cause is unknown", () => {
    expect(describeError(new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }))).toBe(
      'fetch failed (ECONNREFUSED)',
    );
    expect(describeError(new Error('fetch failed', { cause: new Error('socket hang up') }))).toBe('fetch failed (socket hang up)');
    expect(describeError(new Error('fetch failed', { cause: { code: 7 } }))).toBe('fetch failed (unknown cause)');
    expect(describeError(new Error('plain', { cause: 'a string cause' }))).toBe('plain');
  });

  it('is whatever else was thrown, as text', () => {
    expect(describeError('a plain string')).toBe('a plain string');
    expect(describeError({ message: 'an object with a message' })).toBe('an object with a message');
    expect(describeError({ message: 42 })).toBe('[object Object]');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(null)).toBe('null');
  });
});
