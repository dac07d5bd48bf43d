import type { Block, SourceLine } from './markdownBlocks.js';
import type { RawEpic, RawPlan } from './rawPlan.js';
import { parseDependencies } from './parseDependencies.js';
import { parseTaskTree } from './parseTaskTree.js';
import { parseTaskList } from './parseTaskList.js';
import { cleanItem, readEpicHeading, readLabelled, readPriority, splitEstimate } from './planText.js';

// Code blocks in these languages are commands, never task trees.
const SHELL_LANGS = new Set(['bash', 'sh', 'shell', 'zsh', 'console', 'powershell', 'ps1', 'cmd', 'bat', 'fish', 'json', 'yaml', 'yml', 'sql', 'js', 'ts', 'javascript', 'typescript', 'python', 'py']);

/**
 * Walks the blocks and collects epics with their tasks. An epic section runs from an
 * "Epic N: ..." heading to the next heading of the same or a higher level; everything outside
 * epic sections (sprint plans, timelines, command snippets, progress tables) is never a task.
 */
export function readPlanDocument(blocks: Block[]): RawPlan {
  const raw: RawPlan = { epics: [], declaredTotals: [], errors: [], warnings: [] };
  let epic: RawEpic | null = null;
  let epicDepth = 0;
  let expectCriteria = false;
  let inCriteriaList = false;
  for (const block of blocks) {
    if (block.type !== 'list') inCriteriaList = false;
    switch (block.type) {
      case 'heading': {
        expectCriteria = false;
        const head = readEpicHeading(block.text);
        if (head) {
          epic = newEpic(head.key, head.rest, block.line);
          raw.epics.push(epic);
          epicDepth = block.depth;
        } else if (epic && block.depth <= epicDepth) {
          epic = null;
        } else if (epic && /\b(completion|acceptance) criteria\b|definition of done/i.test(block.text)) {
          expectCriteria = true;
        }
        break;
      }
      case 'paragraph':
        if (epic) expectCriteria = readEpicParagraph(epic, block.lines, raw, expectCriteria);
        else readTotals(block.lines, raw);
        break;
      case 'code':
        expectCriteria = false;
        if (epic && !SHELL_LANGS.has(block.lang)) epic.tasks.push(...parseTaskTree(block.lines, epic, raw));
        break;
      case 'list':
        if (!epic) break;
        if (expectCriteria || inCriteriaList) {
          for (const item of block.items) {
            const text = cleanItem(item.lines.map((l) => l.text).join(' '));
            if (text !== '') epic.completionCriteria.push(text);
          }
          expectCriteria = false;
          // A long list may arrive in several blocks (see splitMarkdown); it stays criteria.
          inCriteriaList = true;
        } else {
          epic.tasks.push(...parseTaskList(block.items, epic, raw));
        }
        break;
    }
  }
  return raw;
}

function newEpic(key: string, rest: string, line: number): RawEpic {
  let text = rest;
  let priority = 2;
  // The hand-written form may tag the heading: "Epic 2: Title (60 hours) [P1]".
  const tag = /[[(]\s*P([0-3])\s*[\])]/i.exec(text);
  if (tag) {
    priority = Number(tag[1]);
    text = text.slice(0, tag.index) + text.slice(tag.index + tag[0].length);
  }
  const { title, hours } = splitEstimate(text);
  return { key, title: title === '' ? `Epic ${key}` : title, priority, declaredHours: hours, dependsOn: [], completionCriteria: [], line, tasks: [] };
}

/** Returns whether a completion-criteria list is expected next. */
function readEpicParagraph(epic: RawEpic, lines: SourceLine[], raw: RawPlan, expectCriteria: boolean): boolean {
  let expect = expectCriteria;
  for (const { text, line } of lines) {
    if (text === '') continue;
    const priority = readLabelled(text, ['priority']);
    if (priority !== null) {
      const p = readPriority(priority);
      if (p === null) raw.warnings.push({ line, message: `cannot read priority "${priority}": write P0, P1, P2 or P3 (or critical, high, medium, low); using P2` });
      else epic.priority = p;
      continue;
    }
    const deps = readLabelled(text, ['dependencies', 'depends on', 'dependency', 'blocked by', 'requires']);
    if (deps !== null) {
      const parsed = parseDependencies(deps);
      for (const dep of parsed.deps) epic.dependsOn.push({ dep, line });
      for (const message of parsed.problems) raw.errors.push({ line, message });
      continue;
    }
    const criteria = readLabelled(text, ['completion criteria', 'acceptance criteria', 'definition of done']);
    if (criteria !== null) {
      if (criteria !== '') epic.completionCriteria.push(cleanItem(criteria));
      expect = true;
      continue;
    }
    if (expect) epic.completionCriteria.push(cleanItem(text));
  }
  return expect;
}

/** Picks up the document's own totals: "Total Remaining Work: ~592 hours" and a TOTAL table row. */
function readTotals(lines: SourceLine[], raw: RawPlan): void {
  let hoursColumn = -1;
  for (const { text, line } of lines) {
    if (text.startsWith('|')) {
      const cells = text.replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
      if (hoursColumn < 0) {
        hoursColumn = cells.findIndex((c) => /^(hours?|estimate|effort)\b/i.test(c));
        continue;
      }
      if (/^total$/i.test(cells[0] ?? '')) {
        const n = /^~?\s*(\d[\d,]*(?:\.\d+)?)/.exec(cells[hoursColumn] ?? '');
        if (n) raw.declaredTotals.push({ hours: Number(n[1]!.replace(/,/g, '')), line, where: 'table' });
      }
      continue;
    }
    const m = /\btotal\b[^:|]{0,60}:\s*~?\s*(\d[\d,]*(?:\.\d+)?)\s*(?:hours?|hrs?|h)\b/i.exec(text);
    if (m) raw.declaredTotals.push({ hours: Number(m[1]!.replace(/,/g, '')), line, where: `line "${text.slice(0, 60)}"` });
  }
}
