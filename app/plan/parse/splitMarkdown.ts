/**
 * Cuts a markdown document into pieces that parse the same on their own, so that the markdown
 * parser never sees much more than `target` characters at once: mdast-util-from-markdown is
 * quadratic on long runs of nested lists (720 KB of them took 40 s), and even 8 KB pieces
 * parse 2.5 times slower per byte than 1 KB pieces.
 *
 * A cut is made only before a line that starts at column 0 outside fenced code and HTML
 * comments/raw blocks, and that is a heading, a bullet item, or follows a blank line: every
 * block construct has ended there (or, for a list, only the list's grouping changes, which the
 * plan reader does not depend on).
 */
export interface MarkdownPiece {
  text: string;
  /** 1-based line number of the piece's first line in the whole document. */
  firstLine: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const RAW_OPEN = /^ {0,3}<(script|pre|style|textarea)(?:\s|>|$)/i;

export function splitMarkdown(text: string, target = 1024): MarkdownPiece[] {
  if (text.length <= target) return [{ text, firstLine: 1 }];
  const pieces: MarkdownPiece[] = [];
  let pieceStart = 0;
  let pieceLine = 1;
  let line = 1;
  let pos = 0;
  let fence: { char: string; len: number } | null = null;
  let rawEnd: RegExp | null = null;
  let prevBlank = false;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    // Very long lines are only inspected at their start: nothing below needs more.
    const lineText = text.slice(pos, Math.min(nl, pos + 512)).replace(/\r$/, '');
    const blank = lineText.trim() === '' && nl - pos < 512;
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lineText);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.len) fence = null;
    } else if (rawEnd) {
      if (rawEnd.test(lineText)) rawEnd = null;
    } else {
      const startsAtColumn0 = lineText.length > 0 && !/^\s/.test(lineText);
      const cuttable = startsAtColumn0 && (prevBlank || /^#{1,6}(\s|$)/.test(lineText) || /^[-*+]\s+\S/.test(lineText));
      if (cuttable && pos - pieceStart >= target) {
        pieces.push({ text: text.slice(pieceStart, pos), firstLine: pieceLine });
        pieceStart = pos;
        pieceLine = line;
      }
      const open = FENCE_OPEN.exec(lineText);
      if (open && !(open[1]![0] === '`' && open[2]!.includes('`'))) {
        fence = { char: open[1]![0]!, len: open[1]!.length };
      } else if (/^ {0,3}<!--/.test(lineText)) {
        // From the opener's own dashes: "<!-->" and "<!--->" are whole comments to markdown.
        if (!lineText.includes('-->', lineText.indexOf('<!--') + 2)) rawEnd = /-->/;
      } else {
        const raw = RAW_OPEN.exec(lineText);
        if (raw && !new RegExp(`</${raw[1]}>`, 'i').test(lineText)) rawEnd = new RegExp(`</${raw[1]}>`, 'i');
      }
    }
    prevBlank = blank;
    pos = nl + 1;
    line++;
  }
  pieces.push({ text: text.slice(pieceStart), firstLine: pieceLine });
  return pieces;
}
