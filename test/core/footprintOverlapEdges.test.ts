import { describe, expect, it } from 'vitest';
import { footprintsOverlap, globsOverlap } from '../../app/core/footprintOverlap.js';
import { pickAvoidingConflicts } from '../../app/core/pickAvoidingConflicts.js';

/**
 * Footprint overlap and the conflict-aware pick at their edges (found by mutation testing; the
 * main cases are in test/plan/footprint.test.ts). Each overlap case is checked both ways round.
 */
const both = (p: string, q: string) => [globsOverlap(p, q), globsOverlap(q, p)];

describe('glob against glob', () => {
  it('compares segment by segment: a literal segment under a wildcard folder must match the other pattern', () => {
    // "src/*/index.ts" names index.ts files; "src/lib/*.js" names .js files: no file is both.
    expect(both('src/*/index.ts', 'src/lib/*.js')).toEqual([false, false]);
    expect(both('src/*/index.ts', 'src/lib/*.ts')).toEqual([true, true]);
  });

  it('does not overlap at different depths without **', () => {
    expect(both('a/*', 'a/*/*')).toEqual([false, false]);
    expect(both('a/*/*', 'a/*/*.ts')).toEqual([true, true]);
    expect(both('a/**', 'a/*/*.ts')).toEqual([true, true]);
  });

  it('treats ? [..] {..} as wildcards too', () => {
    expect(both('app/?.ts', 'app/*.ts')).toEqual([true, true]);
    expect(both('app/?.ts', 'app/a.ts')).toEqual([true, true]);
    expect(both('app/[ab].ts', 'app/c.ts')).toEqual([false, false]);
    expect(both('app/{a,b}.ts', 'app/b.ts')).toEqual([true, true]);
    expect(both('app/{a,b}.ts', 'lib/*.ts')).toEqual([false, false]);
  });
});

describe('path against glob', () => {
  it('is exact: a path under a ** folder must still match the rest of the glob', () => {
    expect(both('a/b/c.ts', 'a/**/d.ts')).toEqual([false, false]);
    expect(both('a/b/d.ts', 'a/**/d.ts')).toEqual([true, true]);
    expect(both('a/b/c/d.ts', 'a/*/d.ts')).toEqual([false, false]);
  });

  it('lets a wildcard match dot files (a footprint of app/* includes app/.env)', () => {
    expect(both('app/*', 'app/.env')).toEqual([true, true]);
    expect(both('app/**', 'app/.config/x.json')).toEqual([true, true]);
  });

  it('never reads a leading ! as "everything except", nor a leading # as a comment', () => {
    expect(both('!b.ts', 'a.ts')).toEqual([false, false]);
    expect(both('#*.md', '#notes.md')).toEqual([true, true]);
  });
});

describe('footprints', () => {
  it('checks every pair, not only the first of each list', () => {
    expect(footprintsOverlap(['a/x.ts', 'b/y.ts', 'c/**'], ['d/z.ts', 'c/q.ts'])).toBe(true);
    expect(footprintsOverlap(['a/x.ts'], [])).toBe(false);
  });
});

describe('conflict-aware pick, edges', () => {
  const cand = (footprint: string[], pathHours = 1, hours = 1) => ({ footprint, pathHours, hours });
  const busy = (footprint: string[], hoursLeft = 2) => ({ footprint, hoursLeft });
  const SHARED = ['src/shared.ts'];

  it('an overdue task (0 hours left) still holds its files', () => {
    expect(pickAvoidingConflicts([cand(SHARED)], [busy(SHARED, 0)], 'forbid')).toEqual({ index: -1, reason: 'all-overlap' });
    expect(pickAvoidingConflicts([cand(SHARED, 5)], [busy(SHARED, 0)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
  });

  it('waits for the work under way on its files, drained through every lane holding them', () => {
    // Path 4 h; two busy tasks hold the files (1 h and 5 h left), the third does not: the wait is
    // (1 + 5) / 2 lanes = 3 h, so 4 + 3 = 7 h. A finish at 6.9 h cannot wait; at 7 h it can.
    const busyTasks = [busy(SHARED, 1), busy(['src/shared.ts', 'src/x.ts'], 5), busy(['other.ts'], 50)];
    expect(pickAvoidingConflicts([cand(SHARED, 4)], busyTasks, 'avoid', 6.9)).toEqual({ index: 0 });
    expect(pickAvoidingConflicts([cand(SHARED, 4)], busyTasks, 'avoid', 7)).toEqual({ index: -1, reason: 'all-overlap' });
  });

  it('counts only the colliding candidates ahead of it, not its own hours', () => {
    // Second candidate: 5 h path + 2 h wait + 2 h of the one ahead = 9 h <= 10 h: both wait.
    expect(pickAvoidingConflicts([cand(SHARED, 3, 2), cand(SHARED, 5, 2)], [busy(SHARED, 2)], 'avoid', 10)).toEqual({
      index: -1,
      reason: 'all-overlap',
    });
    // A candidate ahead that waits for other files adds nothing: 5 + 2 + 0 <= 10, both wait.
    const busyBoth = [busy(SHARED, 2), busy(['other.ts'], 2)];
    expect(pickAvoidingConflicts([cand(['other.ts'], 1, 20), cand(SHARED, 5, 2)], busyBoth, 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
  });

  it('without a horizon, avoid lets every colliding task wait', () => {
    expect(pickAvoidingConflicts([cand(SHARED, 1000)], [busy(SHARED, 1000)], 'avoid')).toEqual({ index: -1, reason: 'all-overlap' });
  });
});
