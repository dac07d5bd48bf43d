import { describe, expect, it } from 'vitest';
import { hasCommandCandidate, parseCommands, type ParsedLine } from '../../app/github/commands/parse.js';

/**
 * The slash-command parser at its edges (found by mutation testing; the main cases are in
 * commandParse.test.ts and commandHidden.test.ts).
 */
const texts = (body: string) => parseCommands(body).map((x) => [x.line, x.text]);
const one = (body: string): ParsedLine => {
  const r = parseCommands(body);
  expect(r).toHaveLength(1);
  return r[0]!;
};
const error = (body: string) => {
  const r = one(body);
  if (r.ok) throw new Error('expected an error');
  return r.error;
};

describe('the cheap pre-check', () => {
  it('looks for a line starting with /fleet, after spaces or tabs, on any line', () => {
    expect(hasCommandCandidate('/fleet hold')).toBe(true);
    expect(hasCommandCandidate('thanks\n  /FLEET hold')).toBe(true);
    expect(hasCommandCandidate('thanks\n\t/fleet')).toBe(true);
    expect(hasCommandCandidate('please /fleet hold')).toBe(false);
    expect(hasCommandCandidate(42)).toBe(false);
    expect(hasCommandCandidate(null)).toBe(false);
  });

  it('reads only the first 64 KiB of a comment', () => {
    expect(hasCommandCandidate(`${'x'.repeat(65_536)}\n/fleet hold`)).toBe(false);
    expect(hasCommandCandidate(`${'x'.repeat(65_500)}\n/fleet hold`)).toBe(true);
    // A command within the first 64 KiB runs; one beyond it does not.
    expect(texts(`/fleet hold\n${'x'.repeat(70_000)}\n/fleet cancel`)).toEqual([[1, '/fleet hold']]);
  });
});

describe('where a command line starts', () => {
  it('counts a continuation line of a paragraph that starts with spaces or a tab', () => {
    expect(texts('text\n\t/fleet hold')).toEqual([[2, '/fleet hold']]);
    expect(texts('text\n   /fleet hold')).toEqual([[2, '/fleet hold']]);
  });

  it('separates words by a no-break space or a tab as well as a space', () => {
    expect(one('/fleet\u00a0hold')).toMatchObject({ ok: true, command: { kind: 'hold' } });
    expect(one('/fleet\thold')).toMatchObject({ ok: true, command: { kind: 'hold' } });
    expect(one('/fleet priority\u00a0\u00a0p2')).toMatchObject({ ok: true, command: { kind: 'priority', priority: 2 } });
  });
});

describe('inline HTML before a command line', () => {
  it.each([
    ['an element closed on the same line', 'see <span>this</span>\n/fleet hold'],
    ['a self-closing element', 'see <div/>\n/fleet hold'],
    ['a closing tag of an element that was never opened', 'see </div>\n/fleet hold'],
    ['a void element', 'a line<br>\n/fleet hold'],
  ])('still counts the command after %s', (_what, body) => {
    expect(texts(body)).toEqual([[2, '/fleet hold']]);
  });

  it.each([
    ['an element in upper case left open', 'see <DETAILS>\n/fleet cancel'],
    ['an element with a > inside a quoted attribute', 'see <details title="a>b">\n/fleet cancel'],
    ['an element with single-quoted attributes', "see <div class='x' id='y'>\n/fleet cancel"],
    ['the outer of two nested elements still open', 'see <div><div></div>\n/fleet cancel'],
    ['an element opened in an HTML block and still open', '<div>\n\ntext\n/fleet cancel'],
  ])('hides the command after %s', (_what, body) => {
    expect(parseCommands(body)).toEqual([]);
  });

  it('does not let a tag inside a comment open or close anything', () => {
    expect(parseCommands('see <div><!-- </div> -->\n/fleet cancel')).toEqual([]);
    expect(texts('see <!-- <div> -->\n/fleet hold')).toEqual([[2, '/fleet hold']]);
  });

  it('closes everything opened after the element a closing tag names', () => {
    expect(texts('see <div><span>\ntext</div>\n/fleet hold')).toEqual([[3, '/fleet hold']]);
  });
});

describe('what error messages quote', () => {
  it('cuts a long unknown verb to 40 characters', () => {
    expect(error(`/fleet ${'v'.repeat(60)}`)).toMatch(new RegExp(`^unknown command \`${'v'.repeat(40)}\`; accepted: `));
  });

  it('cuts a long invalid name, issue reference or task to what fits', () => {
    expect(error(`/fleet assign !${'n'.repeat(80)}`)).toBe(`\`!${'n'.repeat(63)}\` is not a valid pool or agent name`);
    expect(error(`/fleet depends-on x${'1'.repeat(60)}`)).toBe(`\`x${'1'.repeat(39)}\` is not an issue reference; write \`/fleet depends-on #12 #15\``);
    expect(error(`/fleet stop #${'x'.repeat(60)}`)).toBe(`\`#${'x'.repeat(39)}\` is not a task; write \`/fleet stop 1.2\` (a task key) or \`/fleet stop #12\` (its issue)`);
  });
});

describe('verb spellings', () => {
  it('reads "depends" with or without "on", in any case', () => {
    expect(one('/fleet depends #3')).toMatchObject({ ok: true, command: { kind: 'depends-on', issues: [3] } });
    expect(one('/fleet depends ON #4')).toMatchObject({ ok: true, command: { kind: 'depends-on', issues: [4] } });
    expect(one('/fleet Depends-On #5')).toMatchObject({ ok: true, command: { kind: 'depends-on', issues: [5] } });
    // "dependson on" is not "depends on": the word "on" is then not an issue.
    expect(error('/fleet dependson on #6')).toMatch(/^`on` is not an issue reference/);
  });

  it('reads an estimate with a space before its unit and an upper-case unit', () => {
    expect(one('/fleet estimate 1.5 H')).toMatchObject({ ok: true, command: { kind: 'estimate', hours: 1.5 } });
    expect(one('/fleet estimate 0.01')).toMatchObject({ ok: true, command: { kind: 'estimate', hours: 0.01 } });
    expect(error('/fleet estimate 0.00h')).toMatch(/^`estimate` needs/);
    expect(error('/fleet estimate h')).toMatch(/^`estimate` needs/);
  });

  it('takes p0 and 0 as the most urgent priority', () => {
    expect(one('/fleet priority p0')).toMatchObject({ ok: true, command: { kind: 'priority', priority: 0 } });
    expect(one('/fleet priority 0')).toMatchObject({ ok: true, command: { kind: 'priority', priority: 0 } });
  });
});
