import { describe, expect, it } from 'vitest';
import { parseCommands, helpText, COMMAND_HELP, type ParsedLine } from '../../app/github/commands/parse.js';

/** The slash-command parser, edge by edge: what counts as a command line and what each verb takes. */
const one = (body: string): ParsedLine => {
  const r = parseCommands(body);
  expect(r).toHaveLength(1);
  return r[0]!;
};
const cmd = (body: string) => {
  const r = one(body);
  if (!r.ok) throw new Error(`expected a command, got: ${r.error}`);
  return r.command;
};
const error = (body: string) => {
  const r = one(body);
  if (r.ok) throw new Error('expected an error');
  return r.error;
};

describe('which lines are commands', () => {
  it('reads /fleet lines in order with their line numbers, case-insensitively, after leading spaces', () => {
    const r = parseCommands('hello\r\n  /fleet hold\n/FLEET retry\n/fleetx hold\n/fleet');
    expect(r.map((x) => [x.line, x.text, x.ok])).toEqual([
      [2, '/fleet hold', true],
      [3, '/FLEET retry', true],
      [5, '/fleet', false],
    ]);
  });

  it('ignores text without /fleet, non-strings, quotes, indented code and fenced code', () => {
    expect(parseCommands(undefined)).toEqual([]);
    expect(parseCommands('just words')).toEqual([]);
    expect(parseCommands('> /fleet hold')).toEqual([]);
    expect(parseCommands('    /fleet hold')).toEqual([]);
    expect(parseCommands('\t/fleet hold')).toEqual([]);
    expect(parseCommands('```\n/fleet hold\n```\n/fleet retry').map((x) => x.text)).toEqual(['/fleet retry']);
    expect(parseCommands('~~~~\n/fleet hold\n~~~\n/fleet cancel\n~~~~\n/fleet retry').map((x) => x.text)).toEqual(['/fleet retry']);
    // A backtick fence is not closed by tildes, nor by a line with more after the fence.
    expect(parseCommands('```\n~~~\n/fleet hold\n``` x\n/fleet cancel\n```\n/fleet retry').map((x) => x.text)).toEqual(['/fleet retry']);
    expect(parseCommands('   ```\n/fleet hold\n   ```\n/fleet retry').map((x) => x.text)).toEqual(['/fleet retry']);
    expect(parseCommands('``\n/fleet hold').map((x) => x.text)).toEqual(['/fleet hold']);
    expect(parseCommands('text ```\n/fleet hold').map((x) => x.text)).toEqual(['/fleet hold']);
  });

  it('stops at 20 commands and 2,000 lines', () => {
    expect(parseCommands(Array.from({ length: 25 }, () => '/fleet hold').join('\n'))).toHaveLength(20);
    expect(parseCommands('\n'.repeat(1999) + '/fleet hold')).toHaveLength(1);
    expect(parseCommands('\n'.repeat(2000) + '/fleet hold')).toHaveLength(0);
  });
});

describe('each verb', () => {
  it('assign takes one valid name', () => {
    expect(cmd('/fleet assign gpu-large.v2')).toEqual({ kind: 'assign', target: 'gpu-large.v2' });
    expect(cmd('/fleet assign a')).toEqual({ kind: 'assign', target: 'a' });
    expect(error('/fleet assign')).toMatch(/needs exactly one pool or agent name/);
    expect(error('/fleet assign a b')).toMatch(/needs exactly one/);
    expect(error('/fleet assign -x')).toBe('`-x` is not a valid pool or agent name');
    expect(error('/fleet assign ok!')).toMatch(/not a valid pool/);
    expect(error(`/fleet assign a${'b'.repeat(63)}`)).toMatch(/not a valid pool/);
    expect(cmd(`/fleet assign a${'b'.repeat(62)}`)).toMatchObject({ kind: 'assign' });
  });

  it('priority takes p0..p3 or 0..3', () => {
    expect(cmd('/fleet priority P1')).toEqual({ kind: 'priority', priority: 1 });
    expect(cmd('/fleet priority 3')).toEqual({ kind: 'priority', priority: 3 });
    for (const bad of ['/fleet priority', '/fleet priority p4', '/fleet priority p1 p2', '/fleet priority xp1', '/fleet priority p12']) {
      expect(error(bad)).toBe('`priority` needs one of p0, p1, p2, p3');
    }
  });

  it('estimate takes hours above 0 and at most 1000, with an optional unit', () => {
    expect(cmd('/fleet estimate 8')).toEqual({ kind: 'estimate', hours: 8 });
    expect(cmd('/fleet estimate 1.25h')).toEqual({ kind: 'estimate', hours: 1.25 });
    expect(cmd('/fleet estimate 2 hours')).toEqual({ kind: 'estimate', hours: 2 });
    expect(cmd('/fleet estimate 3 hrs')).toEqual({ kind: 'estimate', hours: 3 });
    expect(cmd('/fleet estimate 4 hr')).toEqual({ kind: 'estimate', hours: 4 });
    expect(cmd('/fleet estimate 1000')).toEqual({ kind: 'estimate', hours: 1000 });
    for (const bad of ['/fleet estimate 0', '/fleet estimate 1001', '/fleet estimate 1.234', '/fleet estimate 12345', '/fleet estimate x', '/fleet estimate 8 days', '/fleet estimate 1.x']) {
      expect(error(bad)).toMatch(/^`estimate` needs a number of hours above 0 and at most 1000/);
    }
  });

  it('depends-on takes issue references, deduplicated, in three spellings', () => {
    expect(cmd('/fleet depends-on #12 #15, 12')).toEqual({ kind: 'depends-on', issues: [12, 15] });
    expect(cmd('/fleet depends on #3')).toEqual({ kind: 'depends-on', issues: [3] });
    expect(cmd('/fleet dependson 4,5')).toEqual({ kind: 'depends-on', issues: [4, 5] });
    expect(error('/fleet depends-on')).toMatch(/needs at least one issue/);
    expect(error('/fleet depends on')).toMatch(/needs at least one issue/);
    expect(error('/fleet depends-on on')).toBe('`on` is not an issue reference; write `/fleet depends-on #12 #15`');
    expect(error('/fleet depends-on #x1')).toMatch(/`#x1` is not an issue reference/);
    expect(error('/fleet depends-on 1234567890')).toMatch(/is not an issue reference/);
    expect(error('/fleet depends-on ##1')).toMatch(/is not an issue reference/);
  });

  it('the verbs without arguments refuse arguments', () => {
    for (const verb of ['hold', 'unhold', 'retry', 'cancel', 'status', 'help', 'merge', 'dequeue', 'unassign', 'pause', 'resume']) {
      expect(cmd(`/fleet ${verb}`)).toEqual({ kind: verb });
      expect(error(`/fleet ${verb} now`)).toBe(`\`${verb}\` takes no arguments`);
    }
  });

  it('revise takes the rest of the line as instructions, at most 4,000 characters', () => {
    expect(cmd('/fleet revise handle the empty list,  too')).toEqual({ kind: 'revise', instructions: 'handle the empty list, too' });
    expect(cmd('/fleet Revise x')).toEqual({ kind: 'revise', instructions: 'x' });
    expect(cmd(`/fleet revise ${'a'.repeat(4000)}`)).toMatchObject({ kind: 'revise' });
    expect(error('/fleet revise')).toBe('`revise` needs instructions for the agent, e.g. `/fleet revise handle the empty list too`');
    expect(error('/fleet revise   ')).toMatch(/^`revise` needs instructions/);
    expect(error(`/fleet revise ${'a'.repeat(4001)}`)).toBe('`revise` instructions are 4001 characters; at most 4000 are accepted');
  });

  it('stop takes one task key or issue reference', () => {
    expect(cmd('/fleet stop 1.2')).toEqual({ kind: 'stop', task: { key: '1.2' } });
    expect(cmd('/fleet STOP #12')).toEqual({ kind: 'stop', task: { issue: 12 } });
    expect(cmd('/fleet stop T-7_a')).toEqual({ kind: 'stop', task: { key: 'T-7_a' } });
    const usage = 'write `/fleet stop 1.2` (a task key) or `/fleet stop #12` (its issue)';
    expect(error('/fleet stop')).toBe(`\`stop\` needs exactly one task; ${usage}`);
    expect(error('/fleet stop 1.2 1.3')).toBe(`\`stop\` needs exactly one task; ${usage}`);
    expect(error('/fleet stop #x')).toBe(`\`#x\` is not a task; ${usage}`);
    expect(error('/fleet stop #1234567890')).toMatch(/is not a task/);
    expect(error('/fleet stop .hidden')).toMatch(/is not a task/);
    expect(error(`/fleet stop a${'b'.repeat(64)}`)).toMatch(/is not a task/);
  });

  it('names what is accepted when the verb is missing or unknown', () => {
    const accepted = COMMAND_HELP.map((h) => h.usage.replace('/fleet ', '')).join(', ');
    expect(error('/fleet')).toBe(`missing command; accepted: ${accepted}`);
    expect(error('/fleet frobnicate')).toBe(`unknown command \`frobnicate\`; accepted: ${accepted}`);
    expect(accepted).toMatch(/^assign <pool\|agent>, unassign, /);
  });

  it('help lists every command', () => {
    const text = helpText();
    expect(text.split('\n')[0]).toBe('Fleet commands (one per line, in an issue or PR comment):');
    for (const h of COMMAND_HELP) expect(text).toContain(`- \`${h.usage}\`: ${h.what}`);
  });
});
