import { describe, expect, it } from 'vitest';
import { splitMarkdown } from '../../app/plan/parse/splitMarkdown.js';

/**
 * Where the markdown cutter may cut (app/plan/parse/splitMarkdown.ts), one rule at a time. With a
 * target of one character every allowed cut is taken, so the first lines of the pieces are
 * exactly the lines the cutter treats as safe places to start a new piece.
 */
const cuts = (lines: string[], target = 1) => {
  const text = lines.join('\n');
  const pieces = splitMarkdown(text, target);
  expect(pieces.map((p) => p.text).join('')).toBe(text);
  return pieces.map((p) => p.firstLine);
};

describe('splitMarkdown: what starts a piece', () => {
  it('cuts before a line after a blank one, a heading of one to six #, and a bullet item', () => {
    expect(cuts(['a', '', 'b', '# h1', '###### h6', '####### not a heading', '#', '-  item', 'c'])).toEqual([1, 3, 4, 5, 7, 8]);
  });

  it('does not cut before a "#" that is not at the start of the line', () => {
    expect(cuts(['a', 'x# y', 'b'])).toEqual([1]);
  });

  it('takes a line of spaces as blank, but not one whose first 512 characters are all it shows', () => {
    expect(cuts(['a', '   ', 'b'])).toEqual([1, 3]);
    expect(cuts(['a', ' '.repeat(512), 'b'])).toEqual([1]);
    expect(cuts(['a', `${' '.repeat(600)}x`, 'b'])).toEqual([1]);
  });

  it('cuts after a blank line anywhere in the text, not only in its first 512 characters', () => {
    expect(cuts(['a'.repeat(600), '', 'b'])).toEqual([1, 3]);
  });

  it('cuts before the line after two blank lines, not before the second blank line', () => {
    expect(cuts(['a', '', '', 'b'])).toEqual([1, 4]);
  });

  it('reads a CRLF blank line as blank', () => {
    const text = 'a\r\n\r\nb\r\n';
    expect(splitMarkdown(text, 1).map((p) => p.firstLine)).toEqual([1, 3]);
  });

  it('cuts once a piece has reached the target, not only beyond it', () => {
    // "aaaa\n" is 5 characters: with a target of 5 the cut before "# h" is taken.
    expect(cuts(['aaaa', '# h', 'bb'], 5)).toEqual([1, 2]);
    expect(cuts(['aaaa', '# h', 'bb'], 6)).toEqual([1]);
  });
});

describe('splitMarkdown: never inside fenced code', () => {
  it('keeps a fence open until a closing fence of its own character and at least its length', () => {
    expect(cuts(['```', '', '# not a heading', '~~~', '', '# still code', '``', '', '# code', '```', '', 'b'])).toEqual([1, 12]);
  });

  it('does not take a line with text before or after the fence characters as the closing fence', () => {
    expect(cuts(['```', 'echo ```', '', '# code', '```js', '', '# code', '```', '', 'b'])).toEqual([1, 10]);
  });

  it('closes a fence on a line with trailing spaces', () => {
    expect(cuts(['```', 'code', '```   ', '', 'b'])).toEqual([1, 5]);
  });

  it('opens a tilde fence even with a backtick in its info string, but not a backtick fence', () => {
    expect(cuts(['~~~ a`b', '', '# code', '~~~', '', 'b'])).toEqual([1, 6]);
    // "``` a`b" is inline code in a paragraph, not a fence.
    expect(cuts(['``` a`b', '', 'c'])).toEqual([1, 3]);
  });
});

describe('splitMarkdown: never inside an HTML comment or raw block', () => {
  it('keeps a comment open until "-->", and only a comment opened at the start of a line', () => {
    expect(cuts(['<!-- note', '', '# inside', '-->', '', 'b'])).toEqual([1, 6]);
    expect(cuts(['   <!-- note', '', '# inside', '-->', '', 'b'])).toEqual([1, 6]);
    expect(cuts(['a <!-- inline', '', 'b'])).toEqual([1, 3]);
  });

  it('cuts after a comment closed on its own line, including the empty comments "<!-->" and "<!--->"', () => {
    expect(cuts(['<!-- note -->', '', 'b'])).toEqual([1, 3]);
    expect(cuts(['<!-->', '', 'b'])).toEqual([1, 3]);
    expect(cuts(['  <!--->', '', 'b'])).toEqual([1, 3]);
  });

  it('keeps a raw block (pre, script, style, textarea) open until its closing tag, in any case', () => {
    expect(cuts(['<pre>', '', '# inside', '', 'x', '</pre>', '', 'b'])).toEqual([1, 8]);
    expect(cuts(['<SCRIPT>', '', '# inside', '</script>', '', 'b'])).toEqual([1, 6]);
    expect(cuts(['<PRE>one line</pre>', '', 'b'])).toEqual([1, 3]);
  });
});
