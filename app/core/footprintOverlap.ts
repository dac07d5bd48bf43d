import { minimatch } from 'minimatch';

/**
 * Whether two task footprints (lists of path globs) can touch the same file. Used by the scheduler
 * to keep agents off each other's files and by the merge queue to serialise overlapping PRs.
 *
 * Exact for a path against a glob (minimatch). For two globs it is conservative: they are compared
 * segment by segment until the first segment with a wildcard on either side, and overlap unless a
 * literal segment differs before that. A false "overlap" only costs parallelism; a false "no overlap"
 * would cost a merge conflict, so the doubt goes to overlap.
 */
export function footprintsOverlap(a: readonly string[], b: readonly string[]): boolean {
  for (const p of a) for (const q of b) if (globsOverlap(p, q)) return true;
  return false;
}

const OPTIONS = { dot: true, nocomment: true, nonegate: true } as const;
const WILD = /[*?[\]{}!+@]/;

export function globsOverlap(p: string, q: string): boolean {
  const pw = WILD.test(p);
  const qw = WILD.test(q);
  if (!pw && !qw) return p === q;
  if (!pw) return minimatch(p, q, OPTIONS);
  if (!qw) return minimatch(q, p, OPTIONS);
  const ps = p.split('/');
  const qs = q.split('/');
  for (let i = 0; i < Math.min(ps.length, qs.length); i++) {
    const x = ps[i]!;
    const y = qs[i]!;
    if (x === '**' || y === '**') return true;
    if (WILD.test(x) || WILD.test(y)) {
      // One segment pattern against the other: "*.ts" against "a.ts", or two patterns (assume they can meet).
      if (!WILD.test(x) && !minimatch(x, y, OPTIONS)) return false;
      if (!WILD.test(y) && !minimatch(y, x, OPTIONS)) return false;
      continue;
    }
    if (x !== y) return false;
  }
  // Same depth: every segment met. Different depth without "**": they cannot name the same file.
  return ps.length === qs.length;
}
