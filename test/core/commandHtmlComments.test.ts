import { describe, expect, it } from 'vitest';
import { parseCommands } from '../../app/github/commands/parse.js';

/**
 * How HTML comments inside raw HTML decide whether an element is left open above a command
 * (app/github/commands/parse.ts, OpenElements.feed). Each case is an HTML block followed by a
 * blank line and a command, so only the block's own text decides. Found by mutation testing: the
 * comment pattern's three endings and the space a removed comment leaves were all unpinned.
 */
const lines = (body: string) => parseCommands(body).map((x) => x.line);

describe('HTML comments in a block above a command', () => {
  it('ends the empty comment "<!-->" at once, so an element after it still opens', () => {
    expect(lines('<!--><details>\n\n/fleet cancel')).toEqual([]);
    expect(lines('<!---><details>\n\n/fleet cancel')).toEqual([]);
    expect(lines('<!--><span></span>\n\n/fleet hold')).toEqual([3]);
  });

  it('ends a comment at its first "-->" (or "--!>"), so an element after it opens', () => {
    expect(lines('<!-- note --> <details>\n\n/fleet cancel')).toEqual([]);
    expect(lines('<!-- note --!> <details>\n\n/fleet cancel')).toEqual([]);
  });

  it('runs an unterminated comment to the end of the block: a tag inside it opens nothing', () => {
    expect(lines('</div> <!-- <details>\n\n/fleet hold')).toEqual([3]);
  });

  it('leaves a space where a comment was, so it cannot join two halves of a tag name', () => {
    expect(lines('</div> <det<!-- x -->ails>\n\n/fleet hold')).toEqual([3]);
  });
});
