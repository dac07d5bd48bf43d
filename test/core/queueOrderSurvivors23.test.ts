import { describe, expect, it } from 'vitest';
import { routeAllows } from '../../app/core/queueOrder.js';

/** Routing at the edge the mutation run found untested (issue 13, session 23). */
describe('routeAllows: a route part it does not know', () => {
  it('refuses it even when the claimer has a capability spelt like its value', () => {
    // An unknown part must not be read as a capability list: "role:gpu" is not "caps:gpu" (both
    // prefixes are five characters, so the value after them reads the same).
    expect(routeAllows('role:gpu', 'x', ['gpu'])).toBe(false);
    expect(routeAllows('caps:gpu', 'x', ['gpu'])).toBe(true);
  });
});
