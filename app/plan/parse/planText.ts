/**
 * Line-level readers for the plan's wording. Each works on one line of text the markdown
 * parser already isolated; none of them scans the document.
 */

const HOURS = /\(\s*~?\s*(\d+(?:\.\d+)?)\s*(?:hours?|hrs?|h)\s*\)/gi;

/**
 * Splits "Refactor VirtualGarage (1,345 lines → modules) (40 hours)" into its title and the
 * estimate: the last "(N hours)", since titles may carry parentheses of their own.
 */
export function splitEstimate(text: string): { title: string; hours: number | null } {
  let last: RegExpExecArray | null = null;
  HOURS.lastIndex = 0;
  for (let m = HOURS.exec(text); m; m = HOURS.exec(text)) last = m;
  if (!last) return { title: cleanTitle(text), hours: null };
  const title = text.slice(0, last.index) + text.slice(last.index + last[0].length);
  return { title: cleanTitle(title), hours: Number(last[1]) };
}

function cleanTitle(t: string): string {
  return t.replace(/\s+/g, ' ').replace(/\s*[-–—:,;]\s*$/, '').trim();
}

/** "Epic 1: Title (160 hours)", "Epic #2 — Title", "Epic 3. Title". */
export function readEpicHeading(text: string): { key: string; rest: string } | null {
  const m = /^epic\s*#?\s*(\d{1,9})\s*(?:[:.)—–-]\s*|\s+)(.*)$/i.exec(text.trim());
  if (!m) return /^epic\s*#?\s*(\d{1,9})\s*$/i.test(text.trim()) ? { key: String(Number(/\d+/.exec(text)![0])), rest: '' } : null;
  return { key: String(Number(m[1])), rest: m[2]! };
}

/** "Issue #1.2: Title (24 hours)", "[ ] 1.2 Title (3h)", "Task 1.2 - Title". */
export function readTaskLine(text: string): { key: string; epicKey: string; rest: string } | null {
  const m = /^(?:\[[ xX]\]\s*)?(?:(?:issue|task|story)\s*)?#?(\d{1,9})\.(\d{1,9})\s*(?:[:.)—–-]\s*|\s+)(.+)$/i.exec(text.trim());
  if (!m) return null;
  const epicKey = String(Number(m[1]));
  return { key: `${epicKey}.${Number(m[2])}`, epicKey, rest: m[3]! };
}

/** "Label: value" where label is one of `labels` (case-insensitive); returns the value. */
export function readLabelled(text: string, labels: readonly string[]): string | null {
  const m = /^\s*([A-Za-z][A-Za-z ]{0,40}?)\s*:\s*(.*)$/.exec(text);
  if (!m) return null;
  const label = m[1]!.toLowerCase();
  return labels.includes(label) ? m[2]!.trim() : null;
}

const PRIORITY_WORDS: Record<string, number> = { critical: 0, urgent: 0, high: 1, medium: 2, normal: 2, low: 3 };

/** "P0 - CRITICAL", "P2", "high"; null when unreadable. */
export function readPriority(text: string): number | null {
  const p = /\bP([0-3])\b/i.exec(text);
  if (p) return Number(p[1]);
  const w = /\b(critical|urgent|high|medium|normal|low)\b/i.exec(text);
  return w ? PRIORITY_WORDS[w[1]!.toLowerCase()]! : null;
}

/** Splits "Title (3 hours) — depends on 1.1, Epic #2" into the item and its dependency text. */
export function splitInlineDependencies(text: string): { item: string; deps: string | null } {
  const m = /\s*(?:[—–]|--|-|;|,|\|)?\s*\(?\bdepends on\b\s*:?\s*/i.exec(text);
  if (!m) return { item: text, deps: null };
  return { item: text.slice(0, m.index), deps: text.slice(m.index + m[0].length).replace(/\)\s*$/, '') };
}

/** Removes the decorations people put before criteria and deliverables: ✅, [x], bullets. */
export function cleanItem(text: string): string {
  return text
    .replace(/^(?:\[[ xX]\]\s*|[✅✔☑✓❌⬜🔲]\uFE0F?\s*)+/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}
