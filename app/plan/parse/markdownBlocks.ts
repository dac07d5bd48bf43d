import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Nodes, List, ListItem, RootContent } from 'mdast';
import { splitMarkdown } from './splitMarkdown.js';

/**
 * The document reduced to the blocks a plan is made of, each with its source lines.
 * The markdown library decides what is a heading, a paragraph, a code block or a list;
 * the plan reader only interprets their text.
 */
export interface SourceLine {
  text: string;
  line: number;
}

export interface ListItemBlock {
  /** The item's first paragraph, line by line. */
  lines: SourceLine[];
  children: ListItemBlock[];
}

export type Block =
  | { type: 'heading'; depth: number; text: string; line: number }
  | { type: 'paragraph'; lines: SourceLine[] }
  | { type: 'code'; lang: string; lines: SourceLine[]; line: number }
  | { type: 'list'; items: ListItemBlock[]; line: number };

/** Plain text of inline content; soft line breaks stay as "\n" so lines can be numbered. */
function plainText(node: Nodes): string {
  // Inline code keeps its backticks: they mark paths ("`app/a.ts`") that make up a task's footprint,
  // and the title reads the same as in the tree form, where code blocks keep the text as written.
  if (node.type === 'inlineCode') return `\`${node.value}\``;
  if ('value' in node && typeof node.value === 'string' && node.type !== 'html') return node.value;
  if (node.type === 'break') return '\n';
  if (node.type === 'image') return node.alt ?? '';
  if ('children' in node) {
    let out = '';
    for (const c of node.children as Nodes[]) out += plainText(c);
    return out;
  }
  return '';
}

function numberedLines(text: string, firstLine: number): SourceLine[] {
  return text.split('\n').map((t, i) => ({ text: t.trim(), line: firstLine + i }));
}

function listItem(item: ListItem, offset: number): ListItemBlock {
  const out: ListItemBlock = { lines: [], children: [] };
  for (const child of item.children) {
    if (child.type === 'paragraph' && out.lines.length === 0) {
      out.lines = numberedLines(plainText(child), (child.position?.start.line ?? 1) + offset);
    } else if (child.type === 'list') {
      for (const sub of child.children) out.children.push(listItem(sub, offset));
    } else if (child.type === 'paragraph') {
      // A later paragraph of the item reads like a nested line ("Depends on: ...").
      for (const l of numberedLines(plainText(child), (child.position?.start.line ?? 1) + offset)) {
        out.children.push({ lines: [l], children: [] });
      }
    }
  }
  return out;
}

function pushBlocks(nodes: RootContent[], source: string, offset: number, out: Block[]): void {
  for (const node of nodes) {
    const line = (node.position?.start.line ?? 1) + offset;
    switch (node.type) {
      case 'heading':
        out.push({ type: 'heading', depth: node.depth, text: plainText(node).replace(/\s+/g, ' ').trim(), line });
        break;
      case 'paragraph':
        out.push({ type: 'paragraph', lines: numberedLines(plainText(node), line) });
        break;
      case 'code': {
        // Fenced code starts on the line after its fence; indented code on its own first line. A
        // fenced block's position starts at the fence itself, an indented one's at its indentation
        // (which may be followed by a backtick: "    `-- Issue #1.1" is indented code).
        const startOffset = node.position?.start.offset ?? 0;
        const fenced = /^[`~]/.test(source.slice(startOffset, startOffset + 1));
        const first = fenced ? line + 1 : line;
        out.push({ type: 'code', lang: (node.lang ?? '').toLowerCase(), lines: node.value.split('\n').map((t, i) => ({ text: t, line: first + i })), line });
        break;
      }
      case 'list':
        out.push({ type: 'list', items: (node as List).children.map((i) => listItem(i, offset)), line });
        break;
      case 'blockquote':
        pushBlocks(node.children, source, offset, out);
        break;
      default:
        break;
    }
  }
}

export function markdownBlocks(text: string): Block[] {
  const out: Block[] = [];
  for (const piece of splitMarkdown(text)) {
    const root = fromMarkdown(piece.text);
    pushBlocks(root.children, piece.text, piece.firstLine - 1, out);
  }
  return out;
}
