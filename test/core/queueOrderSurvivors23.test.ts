import { describe, expect, it } from 'vitest';
import { routeAllows } from '../../app/core/queueOrder.js';

/** Routing at the edge the mutation run found untested (issue 13, session 23). */
describe('routeAllows: a route part it does not know', () => {
  it('refuses it even when the claimer has a capability spelt like its value', () => {
    // An unknown part must not be read as a capability list: "weird:thing" is not "caps:thing".
    expect(routeAllows('weird:thing', 'x', ['thing'])).toBe(false);
    expect(routeAllows('caps:thing', 'x', ['thing'])).toBe(true);
  });
});
