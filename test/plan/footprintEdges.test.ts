import { describe, expect, it } from 'vitest';
import { isGlob, looksLikePath, normalisePath, pathsInBackticks, readFilesList, uniqueGlobs } from '../../app/plan/parse/footprint.js';

/**
 * Reading footprints from plan text, at the edges (found by mutation testing; the main cases are
 * in footprint.test.ts).
 */
describe('normalising written paths', () => {
  it('drops quotes and backticks around a path, and repeated ./ in front', () => {
    expect(normalisePath(' "app/a.ts" ')).toBe('app/a.ts');
    expect(normalisePath("'docs/'")).toBe('docs/**');
    expect(normalisePath('``lib/x.ts``')).toBe('lib/x.ts');
    expect(normalisePath('././a.ts')).toBe('a.ts');
  });

  it('keeps quotes inside a name', () => {
    expect(normalisePath("docs/it's.md")).toBe("docs/it's.md");
    expect(normalisePath('"a"b".ts"')).toBe('a"b".ts');
  });

  it('refuses a path with spaces or one that climbs out anywhere in it', () => {
    expect(normalisePath('my file.ts')).toBeNull();
    expect(normalisePath('a/../../b.ts')).toBeNull();
    expect(normalisePath('a/..b/c.ts')).toBe('a/..b/c.ts');
    expect(normalisePath('""')).toBeNull();
  });

  it('reads a Files: list split by commas and semicolons, dropping what is not a path', () => {
    expect(readFilesList('a.ts,b.ts;c d.ts; /abs.ts ;e/')).toEqual(['a.ts', 'b.ts', 'e/**']);
    expect(readFilesList('')).toEqual([]);
  });
});

describe('telling paths from code', () => {
  it.each(['src/', 'a/b', '*.sql', 'Makefile.am', 'docs/**', '.github/workflows/ci.yml', 'app/{a,b}.ts', 'x-y_z.json', '@scope/pkg.json', 'a.tar', 'docs/v1.2', 'schema/migrations/0001'])(
    '%s is a path',
    (p) => {
      expect(looksLikePath(p)).toBe(true);
    },
  );

  it.each([
    ['a slash alone', '/'],
    ['dots and slashes', '../'],
    ['a getter', 'item.getId'],
    ['member access on res', 'res.json'],
    ['member access on Math', 'Math.max'],
    ['member access on JSON', 'JSON.parse'],
    ['a long "extension"', 'file.typescript'],
    ['a call', 'run()'],
    ['a division', 'x = a/b'],
    ['a call on a path', 'open(a/b.ts)'],
    ['a path with a space', 'src/my file.ts'],
    ['an assignment', 'a=b'],
    ['a quoted string', '"a.ts"'],
    ['a version', '1.2.3'],
    ['dots', '..'],
    ['an empty string', ''],
  ])('%s (%s) is not a path', (_what, text) => {
    expect(looksLikePath(text)).toBe(false);
  });

  it('takes backticked paths with spaces inside the backticks, not across lines', () => {
    expect(pathsInBackticks('see ` app/a.ts ` and `d.md`')).toEqual(['app/a.ts', 'd.md']);
    // A stray backtick on one line does not pair with one on the next and swallow its path.
    expect(pathsInBackticks('a stray ` here\n`b.ts`')).toEqual(['b.ts']);
    expect(pathsInBackticks('no backticks, app/a.ts')).toEqual([]);
  });
});

describe('globs', () => {
  it('sorts and deduplicates', () => {
    expect(uniqueGlobs(['b/**', 'a.ts', 'b/**', 'A.ts'])).toEqual(['A.ts', 'a.ts', 'b/**']);
  });

  it('knows a glob from a path', () => {
    for (const g of ['*.ts', 'a/?', 'a/[ab]', 'a/{b,c}', 'a/**']) expect(isGlob(g), g).toBe(true);
    for (const p of ['a.ts', 'a/b/c', 'a-b_c.d']) expect(isGlob(p), p).toBe(false);
  });
});
