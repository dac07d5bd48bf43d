import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../app/github/commands/parse.js';

/**
 * Where a `/fleet` line counts. A command must start a line of a top-level paragraph, as GitHub
 * renders the comment; text a reader of the rendered comment cannot see (or sees as quoted,
 * code or HTML) never runs a command.
 */
const texts = (body: string) => parseCommands(body).map((x) => x.text);

describe('hidden and quoted commands', () => {
  // These four ran before the parser read Markdown; each one is hidden or quoted when rendered.
  it.each([
    ['a lazy continuation line of a block quote', '> quote\n/fleet cancel'],
    ['an HTML comment', '<!--\n/fleet cancel\n-->'],
    ['a <pre> block', '<pre>\n/fleet cancel\n</pre>'],
    ['a <details> block', '<details>\n/fleet cancel\n</details>'],
  ])('does not run a command inside %s (it ran before)', (_what, body) => {
    expect(parseCommands(body)).toEqual([]);
    // The same command outside the construct runs: the test would pass vacuously otherwise.
    expect(texts(`${body}\n\n/fleet hold`)).toEqual(['/fleet hold']);
  });

  it.each([
    ['a quote continued over several lazy lines', '> a\n> b\nlazy\n/fleet cancel'],
    ['a list item continued lazily', '- item\n/fleet cancel'],
    ['collapsed <details> content after blank lines', '<details><summary>More</summary>\n\n/fleet cancel\n\n</details>'],
    ['nested HTML blocks', '<details>\n<div>\n\n/fleet cancel\n\n</div>\n\n/fleet cancel\n\n</details>'],
    ['<details> opened inline in a paragraph', 'see below <details>\n/fleet cancel\n</details>'],
    ['a <pre> block with blank lines', '<pre>\n\n/fleet cancel\n\n</pre>'],
    ['a <div> block', '<div>\n/fleet cancel\n</div>'],
    ['a <textarea>', '<textarea>\n/fleet cancel\n</textarea>'],
    ['an inline HTML comment over several lines', 'note <!-- hidden\n/fleet cancel\n-->'],
    ['an HTML comment with blank lines', '<!-- hidden\n\n/fleet cancel\n\n-->'],
    ['an unterminated HTML comment', '<!-- hidden\n\n/fleet cancel'],
    ['inline code over two lines', 'run `this\n/fleet cancel` now'],
    ['a span left open', 'text\n<span>\n/fleet cancel\n</span>'],
    ['a word joined by an invisible U+FEFF', '/fleet\ufeffcancel'],
  ])('does not run a command inside %s', (_what, body) => {
    expect(parseCommands(body)).toEqual([]);
  });

  // These were ignored before and stay ignored.
  it.each([
    ['a quoted line', '> /fleet cancel'],
    ['a quote in a quote', '> > /fleet cancel'],
    ['indented code', '    /fleet cancel'],
    ['tab-indented code', '\t/fleet cancel'],
    ['a backtick fence', '```\n/fleet cancel\n```'],
    ['a tilde fence', '~~~\n/fleet cancel\n~~~'],
    ['an unclosed fence', '```\n/fleet cancel'],
    ['inline code', '`/fleet cancel`'],
    ['the middle of a line', 'please /fleet cancel'],
    ['a list item', '- /fleet cancel'],
    ['a numbered list item', '1. /fleet cancel'],
    ['an ATX heading', '# /fleet cancel'],
    ['an escaped slash', '\\/fleet cancel'],
    ['a character reference', '&#47;fleet cancel'],
    ['a longer word', '/fleetcancel'],
    ['a zero-width space before it', '\u200b/fleet cancel'],
  ])('still ignores %s', (_what, body) => {
    expect(parseCommands(body)).toEqual([]);
  });

  it('does not treat unknown tag names in prose as HTML that hides what follows', () => {
    expect(texts('The type is Array<string>.\n\n/fleet retry')).toEqual(['/fleet retry']);
    expect(texts('a <br> break\n/fleet retry')).toEqual(['/fleet retry']);
    expect(texts('<img src="x.png">\n\n/fleet retry')).toEqual(['/fleet retry']);
  });

  it('ignores a setext heading; emphasis is shown, so a line in it counts', () => {
    expect(parseCommands('/fleet hold\n---')).toEqual([]);
    expect(texts('*note\n/fleet hold*')).toEqual(['/fleet hold*']);
  });

  it('does not hide a command in an image description or let a later blank line matter', () => {
    expect(parseCommands('![diagram\n/fleet cancel](x.png)')).toEqual([]);
    expect(texts('/fleet hold\n\n```\nunclosed fence after the command')).toEqual(['/fleet hold']);
    // The paragraph of the last command is read to its end: a code span closing there still hides it.
    expect(parseCommands('see `x\n/fleet cancel\nstill code` here\n\nmore')).toEqual([]);
  });
});

describe('valid forms parse as before', () => {
  it.each([
    ['a command alone', '/fleet hold', [[1, '/fleet hold']]],
    ['a command after text', 'Thanks!\n/fleet retry', [[2, '/fleet retry']]],
    ['two commands', '/fleet hold\n/fleet priority p1', [[1, '/fleet hold'], [2, '/fleet priority p1']]],
    ['upper case', '/FLEET HOLD', [[1, '/FLEET HOLD']]],
    ['leading spaces', '   /fleet hold', [[1, '/fleet hold']]],
    ['CRLF line ends', 'ok\r\n/fleet hold\r\n/fleet retry', [[2, '/fleet hold'], [3, '/fleet retry']]],
    ['a hard line break', '/fleet hold  \n/fleet retry\\\n/fleet status', [[1, '/fleet hold'], [2, '/fleet retry\\'], [3, '/fleet status']]],
    ['a quote then a blank line', '> quoted\n\n/fleet status', [[3, '/fleet status']]],
    ['a list then a blank line', '- item\n\n/fleet status', [[3, '/fleet status']]],
    ['a closed fence', '```\n/fleet x\n```\n/fleet retry', [[4, '/fleet retry']]],
    ['a closed details block', '<details>\n<summary>log</summary>\n\n/fleet x\n\n</details>\n\n/fleet hold', [[8, '/fleet hold']]],
    ['a closed comment', '<!-- x -->\n/fleet hold', [[2, '/fleet hold']]],
    ['inline code later on the line', '/fleet assign `gpu`', [[1, '/fleet assign `gpu`']]],
  ])('%s', (_what, body, expected) => {
    expect(parseCommands(body).map((x) => [x.line, x.text])).toEqual(expected);
  });
});
