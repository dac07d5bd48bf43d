import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Paragraph, PhrasingContent } from 'mdast';

/**
 * `/fleet ...` slash commands in issue and PR comments. Pure: text in, commands out.
 *
 * The comment is parsed as Markdown (mdast), the way GitHub renders it, and a command counts only
 * when it starts a line of a top-level paragraph: never inside a block quote (lazy continuation
 * lines included), list, heading, fenced or indented code, inline code, or HTML (comments, `<pre>`,
 * `<details>`, any element left open). Text someone can hide from the reader of the rendered
 * comment must not run commands. One command per line, several per comment; an unknown or
 * malformed command becomes an error entry saying what is accepted.
 */

export type StopTarget = { key: string } | { issue: number };

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
  | { kind: 'dequeue' }
  | { kind: 'revise'; instructions: string }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'stop'; task: StopTarget };

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
  { usage: '/fleet revise <instructions>', what: 'send the task back to its agent with these instructions' },
  { usage: '/fleet pause', what: 'pause the project: nothing new is dispatched or handed out' },
  { usage: '/fleet resume', what: 'resume a paused project' },
  { usage: '/fleet stop <task|#issue>', what: "cancel the task's run, end its assignment and hold it" },
  { usage: '/fleet help', what: 'show this list' },
];

const ACCEPTED = COMMAND_HELP.map((h) => h.usage.replace('/fleet ', '')).join(', ');
const MAX_CHARS = 65_536;
const MAX_LINES = 2_000;
const MAX_COMMANDS = 20;
const MAX_INSTRUCTIONS = 4_000;

/**
 * Separators between words: space, tab and the no-break space people paste. Deliberately not
 * `\s`, which also matches U+FEFF: an invisible character must not split `/fleet\uFEFFcancel`.
 */
const SEP = /[ \t\u00a0]+/;
const COMMAND_START = /^\/fleet(?:[ \t\u00a0]|$)/i;

const CANDIDATE = /^[ \t]*\/fleet/im;

/**
 * Whether the text has a line starting with `/fleet` at all: a regular-expression test, so a
 * caller can decide cheaply whether the comment is worth a permission check and the Markdown parse
 * (which costs far more on a hostile 64 KB comment).
 */
export function hasCommandCandidate(body: unknown): boolean {
  return typeof body === 'string' && CANDIDATE.test(body.slice(0, MAX_CHARS));
}

/**
 * Emphasis is the one inline construct the decision does not need (an emphasised line is shown,
 * so it may hold a command) and the one micromark resolves slowest on hostile input; it is
 * switched off. Code, HTML, links and images stay: they hide or quote what they hold.
 */
const MARKDOWN_OPTIONS = { extensions: [{ disable: { null: ['attention'] } }] };

/** Parses a comment body into the `/fleet` lines it contains (in order, at most 20). */
export function parseCommands(body: unknown): ParsedLine[] {
  if (!hasCommandCandidate(body)) return [];
  let lines = (body as string).slice(0, MAX_CHARS).split(/\r?\n/).slice(0, MAX_LINES);
  // Nothing after the paragraph of the last candidate line can change what that line is (no
  // inline span crosses a blank line, a setext underline directly follows), so it is not parsed.
  let last = lines.length - 1;
  while (last >= 0 && !CANDIDATE.test(lines[last]!)) last--;
  let cut = last + 1;
  while (cut < lines.length && lines[cut]!.trim() !== '') cut++;
  lines = lines.slice(0, cut);
  const source = lines.join('\n');
  const lineStarts: number[] = [];
  let at = 0;
  for (const l of lines) {
    lineStarts.push(at);
    at += l.length + 1;
  }

  const out: ParsedLine[] = [];
  const openHtml = new OpenElements();
  for (const node of fromMarkdown(source, MARKDOWN_OPTIONS).children) {
    if (node.type === 'html') openHtml.feed(node.value);
    else if (node.type === 'paragraph') {
      for (const line of commandLines(node, source, lineStarts, openHtml)) {
        out.push(parseLine(lines[line - 1]!.trim(), line));
        if (out.length >= MAX_COMMANDS) return out;
      }
    }
    // Everything else (quotes, lists, headings, code, thematic breaks, definitions) never holds commands.
  }
  return out;
}

/**
 * The 1-based lines of a top-level paragraph that start with `/fleet` in plain text, outside any
 * open HTML element. Inline HTML inside the paragraph opens and closes elements as it goes, so
 * `text <details>⏎/fleet cancel` does not count; `openHtml` carries that state to later blocks.
 */
function commandLines(p: Paragraph, source: string, lineStarts: number[], openHtml: OpenElements): number[] {
  const start = p.position?.start;
  const end = p.position?.end;
  if (!start || !end || start.offset === undefined || end.offset === undefined) return [];
  const children = p.children;
  const found: number[] = [];
  let next = 0; // children that start before the current line's first character have been fed to openHtml
  for (let line = start.line; line <= end.line; line++) {
    let offset = lineStarts[line - 1]!;
    while (source[offset] === ' ' || source[offset] === '\t') offset++;
    offset = Math.max(offset, start.offset);
    if (offset >= end.offset) continue;
    // Feed the inline HTML up to this line's first character; the last child passed is the one
    // that may contain that character (an HTML child there means the line is not a command anyway).
    while (next < children.length && offsetOf(children[next]!, 'start') <= offset) {
      const c = children[next]!;
      if (c.type === 'html') openHtml.feed(c.value);
      next++;
    }
    const holder = next > 0 ? children[next - 1]! : undefined;
    if (openHtml.isOpen() || !holder) continue;
    if (!COMMAND_START.test(source.slice(offset, offset + 8))) continue;
    // The line must begin inside plain text of the paragraph itself: not inline code, HTML,
    // a link or emphasis (an escape or entity makes the source differ, checked above).
    if (holder.type === 'text' && offset < offsetOf(holder, 'end')) found.push(line);
  }
  for (; next < children.length; next++) {
    const c = children[next]!;
    if (c.type === 'html') openHtml.feed(c.value);
  }
  return found;
}

function offsetOf(node: PhrasingContent, which: 'start' | 'end'): number {
  return node.position?.[which].offset ?? -1;
}

/**
 * Elements GitHub renders, some of which hide their content (`<details>`, comments inside, `<pre>`
 * lookalikes). Unknown tag names (`Array<string>` in prose) are not elements: GitHub drops them
 * and shows their content, so they do not open anything here either.
 */
const ELEMENTS = new Set(
  (
    'address article aside blockquote caption center dd details dialog dir div dl dt fieldset figcaption figure footer ' +
    'form frameset h1 h2 h3 h4 h5 h6 header legend li main menu nav noframes ol optgroup option p section summary ' +
    'table tbody td tfoot th thead title tr ul pre script style textarea noscript template iframe object svg math ' +
    'a abbr b bdi bdo cite code data del dfn em font i ins kbd mark q rp rt ruby s samp small span strike strong ' +
    'sub sup time tt u var picture video audio button label select'
  ).split(' '),
);
const VOID = new Set('area base br col embed hr img input link meta param source track wbr'.split(' '));

/** A stack of open HTML elements fed with the raw HTML of the comment, in document order. */
class OpenElements {
  private readonly stack: string[] = [];

  isOpen(): boolean {
    return this.stack.length > 0;
  }

  feed(html: string): void {
    // Comments hide everything up to their end (or the end of the text): tags inside do not count.
    const withoutComments = html.replace(/<!--(?:-?>|[\s\S]*?(?:--!?>|$))/g, ' ');
    for (const m of withoutComments.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g)) {
      const name = m[2]!.toLowerCase();
      if (!ELEMENTS.has(name) || VOID.has(name)) continue;
      if (m[1]) {
        const i = this.stack.lastIndexOf(name);
        if (i >= 0) this.stack.length = i;
      } else if (!m[4]) {
        this.stack.push(name);
      }
    }
  }
}

function err(line: number, text: string, error: string): ParsedLine {
  return { ok: false, line, text, error };
}

function parseLine(text: string, line: number): ParsedLine {
  const words = text.split(SEP).slice(1);
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
    case 'revise': {
      const instructions = args.join(' ').trim();
      if (!instructions) return err(line, text, '`revise` needs instructions for the agent, e.g. `/fleet revise handle the empty list too`');
      if (instructions.length > MAX_INSTRUCTIONS) {
        return err(line, text, `\`revise\` instructions are ${instructions.length} characters; at most ${MAX_INSTRUCTIONS} are accepted`);
      }
      return done({ kind: 'revise', instructions });
    }
    case 'stop': {
      const usage = 'write `/fleet stop 1.2` (a task key) or `/fleet stop #12` (its issue)';
      if (args.length !== 1) return err(line, text, `\`stop\` needs exactly one task; ${usage}`);
      const a = args[0]!;
      const issue = /^#(\d{1,9})$/.exec(a);
      if (issue) return done({ kind: 'stop', task: { issue: Number(issue[1]) } });
      if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(a)) return done({ kind: 'stop', task: { key: a } });
      return err(line, text, `\`${a.slice(0, 40)}\` is not a task; ${usage}`);
    }
    case 'hold':
    case 'unhold':
    case 'retry':
    case 'cancel':
    case 'status':
    case 'help':
    case 'merge':
    case 'dequeue':
    case 'pause':
    case 'resume':
      return noArgs({ kind: verb });
    default:
      return err(line, text, `unknown command \`${verb.slice(0, 40)}\`; accepted: ${ACCEPTED}`);
  }
}

export function helpText(): string {
  return ['Fleet commands (one per line, in an issue or PR comment):', '', ...COMMAND_HELP.map((h) => `- \`${h.usage}\`: ${h.what}`)].join('\n');
}
