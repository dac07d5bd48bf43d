/**
 * A task's footprint as the plan states it: the files a task is expected to touch, used to keep
 * parallel agents off the same files. Two sources in the text:
 *   - a `Files:` line (tree child or list sub-item), comma-separated;
 *   - paths written in backticks in the title or deliverables ("Move queries out of `api/src/routes/`").
 * The result is a list of normalised globs. Backticked text only counts when it looks like a path,
 * so code such as `pool.query()` or `new ServiceName()` is not mistaken for one.
 */

const GLOB_CHARS = /[*?[\]{}]/;

/** Normalises one written path to a glob: no leading "./", a directory ("dir/") covers all below it. */
export function normalisePath(written: string): string | null {
  let p = written.trim().replace(/^["'`]+|["'`]+$/g, '').replace(/\\/g, '/');
  if (p === '' || /\s/.test(p)) return null;
  p = p.replace(/^(?:\.\/)+/, '').replace(/\/{2,}/g, '/');
  if (p.startsWith('/') || p.split('/').includes('..')) return null;
  if (p.endsWith('/')) return `${p}**`;
  return p;
}

/** Whether backticked text reads as a file path or glob rather than code. */
export function looksLikePath(text: string): boolean {
  if (!/^[\w.@*?/{}[\],!+-]+$/.test(text)) return false; // no spaces, parentheses, quotes or operators
  if (/^[\d.]+$/.test(text)) return false; // dots ("..."), or a version or task number ("1.2.3")
  if (text.includes('/')) return /[\w*]/.test(text);
  // A bare name needs an extension ("README.md", "*.sql"), and is not a dotted identifier like "pool.query".
  // Names with more dots ("vite.config.ts", "*.test.js") count when they end in a file type people name.
  if (KNOWN_NOT_FILES.test(text) || /^[a-z]+\.[a-z]+[A-Z]/.test(text)) return false;
  if (/^[\w@*?{}[\],!+-]+\.(?:[a-z0-9]{1,6})$/i.test(text)) return true;
  return /^[\w@*?{}[\],!+-]+(?:\.[\w@*?{}[\],!+-]+)+$/.test(text) && FILE_TYPES.test(text);
}

const FILE_TYPES = /\.(?:[cm]?[jt]sx?|json|md|ya?ml|sql|css|scss|html|py|go|rs|java|kt|rb|php|cs|toml|lock|txt|sh|env|conf|ini|xml|lua|proto|graphql)$/i;

// Dotted identifiers that end like an extension but are code (member access), e.g. `console.log`, `process.env`.
const KNOWN_NOT_FILES = /^(?:console|process|Math|JSON|Object|Array|Promise|window|document|this|req|res|pool|db|app)\./;

/** The globs of a `Files:` value: "app/a.ts, app/b/, `docs/*.md`". */
export function readFilesList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(/[,;]/)) {
    const g = normalisePath(part);
    if (g !== null) out.push(g);
  }
  return out;
}

/** Paths written in backticks in free text. */
export function pathsInBackticks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const inner = m[1]!.trim();
    if (!looksLikePath(inner)) continue;
    const g = normalisePath(inner);
    if (g !== null) out.push(g);
  }
  return out;
}

/** Sorted, without repeats: a stable value to store and compare. */
export function uniqueGlobs(globs: Iterable<string>): string[] {
  return [...new Set(globs)].sort();
}

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}
