import { describe, expect, it } from 'vitest';
import { helpText, parseCommands, type ParsedLine } from '../../app/github/commands/parse.js';

/**
 * The verbs' arguments (and the HTML state carried between paragraphs) at the edges mutation runs of
 * app/github/commands/parse.ts (lines 69-159 and 223-288) found untested; the main cases are in
 * commandParse.test.ts and commandHidden.test.ts.
 */
const one = (body: string): ParsedLine => {
  const r = parseCommands(body);
  expect(r).toHaveLength(1);
  return r[0]!;
};
const command = (body: string) => {
  const r = one(body);
  if (!r.ok) throw new Error(`expected a command, got: ${r.error}`);
  return r.command;
};
const error = (body: string) => {
  const r = one(body);
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.command)}`);
  return r.error;
};

describe('estimate', () => {
  it('accepts "hour" in the singular as well as "hours"', () => {
    expect(command('/fleet estimate 8 hour')).toEqual({ kind: 'estimate', hours: 8 });
    expect(command('/fleet estimate 1hour')).toEqual({ kind: 'estimate', hours: 1 });
    expect(command('/fleet estimate 2 hours')).toEqual({ kind: 'estimate', hours: 2 });
  });

  it('keeps the words apart: "1 5" is not 15 hours', () => {
    expect(error('/fleet estimate 1 5')).toMatch(/^`estimate` needs a number of hours/);
    expect(error('/fleet estimate 8 h ours')).toMatch(/^`estimate` needs a number of hours/);
  });
});

describe('stop', () => {
  it('takes an issue only as a whole "#N" argument, not a key with "#N" inside', () => {
    expect(command('/fleet stop #12')).toEqual({ kind: 'stop', task: { issue: 12 } });
    expect(error('/fleet stop a#12')).toBe('`a#12` is not a task; write `/fleet stop 1.2` (a task key) or `/fleet stop #12` (its issue)');
  });
});

describe('revise', () => {
  it('trims white space the word separator does not cover (an em space) from the instructions', () => {
    expect(command('/fleet revise \u2003handle the empty list\u2003')).toEqual({ kind: 'revise', instructions: 'handle the empty list' });
    expect(command('/fleet revise \u2003x')).toEqual({ kind: 'revise', instructions: 'x' });
  });
});

describe('help', () => {
  it('leaves a blank line between the heading and the list', () => {
    const [heading, blank, first] = helpText().split('\n');
    expect(heading).toBe('Fleet commands (one per line, in an issue or PR comment):');
    expect(blank).toBe('');
    expect(first).toMatch(/^- `\/fleet /);
  });
});

describe('HTML opened at the end of a paragraph', () => {
  it('hides the commands of later paragraphs until it is closed', () => {
    expect(parseCommands('see below <details>\n\n/fleet cancel\n\n</details>')).toEqual([]);
    expect(parseCommands('see below <details>\n\n/fleet cancel\n\n</details>\n\n/fleet hold').map((r) => [r.line, r.text])).toEqual([[7, '/fleet hold']]);
  });
});

describe('HTML attributes', () => {
  it('reads a tag whose single-quoted attribute holds several characters, or a ">"', () => {
    expect(parseCommands("<details class='log open'>\n\n/fleet cancel\n\n</details>")).toEqual([]);
    expect(parseCommands("<details title='a > b'>\n\n/fleet cancel\n\n</details>")).toEqual([]);
    expect(parseCommands('<details title="a > b">\n\n/fleet cancel\n\n</details>')).toEqual([]);
  });
});
