/**
 * `/fleet ...` slash commands in issue and PR comments. Pure: text in, commands out. One command
 * per line, several per comment; fenced code blocks, indented code and `>` quoted lines are
 * ignored. An unknown or malformed command becomes an error entry saying what is accepted.
 */

export type FleetCommand =
  | { kind: 'assign'; target: string }
  | { kind: 'unassign' }
  | { kind: 'priority'; priority: 0 | 1 | 2 | 3 }
  | { kind: 'estimate'; hours: number }
  | { kind: 'depends-on'; issues: number[] }
  | { kind: 'hold' }
  | { kind: 'unhold' }
  | { kind: 'retry' }
  | { kind: 'cancel' }
  | { kind: 'status' }
  | { kind: 'help' }
  | { kind: 'merge' }
  | { kind: 'dequeue' };

export type ParsedLine = { ok: true; line: number; text: string; command: FleetCommand } | { ok: false; line: number; text: string; error: string };

export const COMMAND_HELP: readonly { usage: string; what: string }[] = [
  { usage: '/fleet assign <pool|agent>', what: 'route the task to a pool (or an agent)' },
  { usage: '/fleet unassign', what: 'remove the routing; any pool may take it' },
  { usage: '/fleet priority <p0|p1|p2|p3>', what: 'set the priority (p0 is most urgent)' },
  { usage: '/fleet estimate <hours>', what: 'set the estimate, e.g. 8, 8h or 1.5h' },
  { usage: '/fleet depends-on #N [#M ...]', what: 'add dependencies on other task issues' },
  { usage: '/fleet hold', what: 'keep the task out of the queue' },
  { usage: '/fleet unhold', what: 'put the task back in the queue' },
  { usage: '/fleet retry', what: 'run the task again (resets its attempts)' },
  { usage: '/fleet cancel', what: 'cancel the task' },
  { usage: '/fleet status', what: 'show the task, its dependencies, assignment and evidence' },
  { usage: '/fleet merge', what: 'put the PR in the merge queue' },
  { usage: '/fleet dequeue', what: 'take the PR out of the merge queue' },
  { usage: '/fleet help', what: 'show this list' },
];

const ACCEPTED = COMMAND_HELP.map((h) => h.usage.replace('/fleet ', '')).join(', ');
const MAX_LINES = 2_000;
const MAX_COMMANDS = 20;

/** Parses a comment body into the `/fleet` lines it contains (in order, at most 20). */
export function parseCommands(body: unknown): ParsedLine[] {
  if (typeof body !== 'string' || !body.includes('/fleet')) return [];
  const lines = body.slice(0, 65_536).split(/\r?\n/).slice(0, MAX_LINES);
  const out: ParsedLine[] = [];
  let fence: string | null = null;
  for (const [i, raw] of lines.entries()) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length && raw.trim() === fenceMatch[1]) fence = null;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      continue;
    }
    if (/^( {4}|\t)/.test(raw)) continue; // indented code
    const line = raw.trim();
    if (line.startsWith('>')) continue; // quoted reply
    if (!/^\/fleet(\s|$)/i.test(line)) continue;
    out.push(parseLine(line, i + 1));
    if (out.length >= MAX_COMMANDS) break;
  }
  return out;
}

function err(line: number, text: string, error: string): ParsedLine {
  return { ok: false, line, text, error };
}

function parseLine(text: string, line: number): ParsedLine {
  const words = text.split(/\s+/).slice(1);
  const verb = (words[0] ?? '').toLowerCase();
  const args = words.slice(1);
  const done = (command: FleetCommand): ParsedLine => ({ ok: true, line, text, command });
  const noArgs = (command: FleetCommand): ParsedLine =>
    args.length ? err(line, text, `\`${verb}\` takes no arguments`) : done(command);
  switch (verb) {
    case '':
      return err(line, text, `missing command; accepted: ${ACCEPTED}`);
    case 'assign': {
      const target = args[0];
      if (!target || args.length > 1) return err(line, text, '`assign` needs exactly one pool or agent name, e.g. `/fleet assign gpu`');
      if (!/^[a-z0-9][a-z0-9._[\]-]{0,62}$/i.test(target)) return err(line, text, `\`${target.slice(0, 64)}\` is not a valid pool or agent name`);
      return done({ kind: 'assign', target });
    }
    case 'unassign':
      return noArgs({ kind: 'unassign' });
    case 'priority': {
      const m = /^p?([0-3])$/i.exec(args[0] ?? '');
      if (!m || args.length !== 1) return err(line, text, '`priority` needs one of p0, p1, p2, p3');
      return done({ kind: 'priority', priority: Number(m[1]) as 0 | 1 | 2 | 3 });
    }
    case 'estimate': {
      const m = /^(\d{1,4}(?:\.\d{1,2})?)\s*(h|hrs?|hours?)?$/i.exec(args.join(' '));
      const hours = m ? Number(m[1]) : NaN;
      if (!m || !Number.isFinite(hours) || hours <= 0 || hours > 1000) {
        return err(line, text, '`estimate` needs a number of hours above 0 and at most 1000, e.g. `8` or `8h`');
      }
      return done({ kind: 'estimate', hours });
    }
    case 'depends-on':
    case 'depends':
    case 'dependson': {
      const rest = verb === 'depends' && args[0]?.toLowerCase() === 'on' ? args.slice(1) : args;
      const issues: number[] = [];
      for (const a of rest.join(' ').split(/[\s,]+/).filter(Boolean)) {
        const m = /^#?(\d{1,9})$/.exec(a);
        if (!m) return err(line, text, `\`${a.slice(0, 40)}\` is not an issue reference; write \`/fleet depends-on #12 #15\``);
        issues.push(Number(m[1]));
      }
      if (!issues.length) return err(line, text, '`depends-on` needs at least one issue, e.g. `/fleet depends-on #12 #15`');
      return done({ kind: 'depends-on', issues: [...new Set(issues)] });
    }
    case 'hold':
    case 'unhold':
    case 'retry':
    case 'cancel':
    case 'status':
    case 'help':
    case 'merge':
    case 'dequeue':
      return noArgs({ kind: verb });
    default:
      return err(line, text, `unknown command \`${verb.slice(0, 40)}\`; accepted: ${ACCEPTED}`);
  }
}

export function helpText(): string {
  return ['Fleet commands (one per line, in an issue or PR comment):', '', ...COMMAND_HELP.map((h) => `- \`${h.usage}\`: ${h.what}`)].join('\n');
}
