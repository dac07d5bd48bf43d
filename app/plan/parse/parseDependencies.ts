import type { ParsedDependency } from '../../../schema/plan.js';

export interface DependencyText {
  deps: ParsedDependency[];
  /** One message per piece that could not be read; the caller attaches the line. */
  problems: string[];
}

export const ACCEPTED_DEPENDENCIES =
  'write a task as 1.2 or #1.2, a whole epic as "Epic #1" or epic:1, an epic threshold as "Epic #1 must be 50% complete" or epic:1@50, or "None"';

/** Splits on commas, semicolons and "and", but not inside parentheses ("Epic #3 (UI, forms)"). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(' || ch === '[') depth++;
    else if ((ch === ')' || ch === ']') && depth > 0) depth--;
    if (depth === 0 && (ch === ',' || ch === ';' || ch === '&')) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.flatMap((p) => p.split(/\s+and\s+/i)).map((p) => p.trim()).filter((p) => p !== '');
}

/** The first "N%" in the text; its range is checked with the "@N" form's, where the epic is read. */
function percentIn(text: string): number | null {
  const m = /(\d+(?:\.\d+)?)\s*%/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The one range check of an epic threshold, for every way of writing one; no threshold means the
 * whole epic. A piece refused for its threshold still names an epic, so a bare number after it
 * ("epic:1@0, 2") is read as an epic too.
 */
function pushEpic(out: DependencyText, raw: string, epic: string, threshold: number | null): void {
  const p = threshold ?? 100;
  if (p > 0 && p <= 100) out.deps.push({ kind: 'epic', key: String(Number(epic)), percent: p });
  else out.problems.push(`dependency "${raw}" has threshold ${p}%: a threshold is more than 0 and at most 100`);
}

/**
 * Reads the text after "Depends on:" or "Dependencies:". Prose around epic references is
 * tolerated ("Epic #3 (component refactoring)"), because real plans explain themselves.
 */
export function parseDependencies(text: string): DependencyText {
  const out: DependencyText = { deps: [], problems: [] };
  const trimmed = text.trim().replace(/[.]+$/, '');
  // Empty text needs no case here: it splits into no pieces below, so it gives nothing.
  if (/^(none|n\/a|nothing|no dependencies|[-–—])(\b|\s|$)/i.test(trimmed)) return out;
  let previousWasEpic = false;
  for (const raw of splitTopLevel(trimmed)) {
    // White space left at the ends is trimmed from withoutParens, and percentIn ignores it.
    const token = raw.replace(/^(?:on\s+)?/i, '').replace(/[.]+$/, '');
    const percent = percentIn(token);
    const withoutParens = token.replace(/\([^)]*\)/g, ' ').replace(/\s+/g, ' ').trim();
    let m: RegExpExecArray | null;
    if ((m = /^(?:(?:issue|task)\s*)?#?\s*(\d{1,9})\.(\d{1,9})$/i.exec(withoutParens))) {
      out.deps.push({ kind: 'task', key: `${Number(m[1])}.${Number(m[2])}` });
      previousWasEpic = false;
      continue;
    }
    if ((m = /^epic:(\d{1,9})(?:@(\d+(?:\.\d+)?)%?)?$/i.exec(withoutParens))) {
      pushEpic(out, raw, m[1]!, m[2] === undefined ? null : Number(m[2]));
      previousWasEpic = true;
      continue;
    }
    // "Epics 1 and 2": the plural names the first; the pieces after it read as epics too.
    const epic = /^epics?\s*#?\s*(\d{1,9})\b(.*)$/i.exec(withoutParens) ?? (previousWasEpic ? /^#?\s*(\d{1,9})\b(.*)$/.exec(withoutParens) : null);
    if (epic) {
      // Whatever follows the number must be prose about completion ("must be 50% complete").
      const rest = epic[2]!.trim();
      if (rest !== '' && !/^(?:(?:must|should|to|be|is|at|least|fully|all|complete[d]?|done|finished|\d+(?:\.\d+)?\s*%|@\s*\d+(?:\.\d+)?|of\s+it)\s*)+$/i.test(rest)) {
        out.problems.push(`cannot read dependency "${raw}": ${ACCEPTED_DEPENDENCIES}`);
        continue;
      }
      const at = /@\s*(\d+(?:\.\d+)?)/.exec(rest);
      pushEpic(out, raw, epic[1]!, at ? Number(at[1]) : percent);
      previousWasEpic = true;
      continue;
    }
    out.problems.push(`cannot read dependency "${raw}": ${ACCEPTED_DEPENDENCIES}`);
    previousWasEpic = false;
  }
  return out;
}
