/**
 * Text that reaches an agent (task text, review feedback, check output) is written by people and
 * tools we do not fully trust. What a reviewer sees on GitHub must be all the agent sees: no
 * characters that render as nothing, and no HTML comments (which GitHub hides). Pure functions.
 */

/**
 * Code points that render as nothing or reorder what is shown:
 * - Unicode's Default_Ignorable_Code_Point set: zero-width space/joiners (U+200B–U+200D),
 *   word joiner and invisible operators (U+2060–U+2064), BOM (U+FEFF), soft hyphen, variation
 *   selectors (U+FE00–U+FE0F, U+E0100–U+E01EF, used to smuggle bytes), Hangul fillers, and the
 *   tag characters U+E0000–U+E007F (invisible ASCII look-alikes);
 * - bidi controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), listed explicitly although
 *   they are in the set above, because they are the reason for stripping;
 * - control characters (Cc) other than tab, line feed and carriage return (terminal escapes).
 * Joiners matter to some scripts' shaping; losing them changes rendering, not meaning.
 */
const INVISIBLE = /(?![\t\n\r])[\p{Cc}\p{Default_Ignorable_Code_Point}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * An HTML comment as a browser ends it: `<!-->` and `<!--->` are empty comments, otherwise the
 * first `-->` (or the lenient `--!>`) ends it, and an unterminated one runs to the end of the
 * text (GitHub hides the rest of the document). Applied everywhere, code blocks included:
 * dropping a comment from an example costs less than letting a hidden instruction through.
 */
const HTML_COMMENT = /<!--(?:-?>|[\s\S]*?(?:--!?>|$))/g;

export interface SanitizedText {
  text: string;
  /** How many invisible code points were removed. */
  invisible: number;
  /** How many HTML comments were removed. */
  comments: number;
}

/** Removes invisible and bidi-control characters. */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Removes HTML comments, until none is left (removing one can join the halves of another). */
export function stripHtmlComments(text: string): string {
  return removeComments(text).text;
}

function removeComments(text: string): { text: string; count: number } {
  let out = text;
  let count = 0;
  // Each pass removes at least one comment or stops; the bound only guards against surprises.
  for (let pass = 0; pass < 100; pass++) {
    let removed = 0;
    out = out.replace(HTML_COMMENT, () => {
      removed++;
      return '';
    });
    count += removed;
    if (!removed) break;
  }
  return { text: out, count };
}

/**
 * Both, in the order that closes the gaps: invisible characters first (so `<!\u200b--` cannot
 * hide a comment opener), then comments repeatedly (so `<!<!-- -->-- x -->` leaves nothing).
 */
export function sanitizeUntrusted(text: string): SanitizedText {
  let invisible = 0;
  const visible = text.replace(INVISIBLE, () => {
    invisible++;
    return '';
  });
  const { text: out, count } = removeComments(visible);
  return { text: out, invisible, comments: count };
}

/** The text an agent may be given: `sanitizeUntrusted(text).text`. */
export function cleanForAgent(text: string): string {
  return sanitizeUntrusted(text).text;
}

/**
 * A single line of untrusted text for a heading or a list item: cleaned, line breaks folded to
 * spaces, at most `max` characters.
 */
export function cleanInline(text: string, max = 200): string {
  const one = cleanForAgent(text).replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
