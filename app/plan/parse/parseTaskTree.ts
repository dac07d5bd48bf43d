import type { PlanIssue } from '../../../schema/plan.js';
import type { SourceLine } from './markdownBlocks.js';
import type { RawEpic, RawTask } from './rawPlan.js';
import { parseDependencies } from './parseDependencies.js';
import { readFilesList } from './footprint.js';
import { readEpicHeading, readLabelled, readTaskLine, splitEstimate, cleanItem } from './planText.js';

// Drawing characters of box trees ("├── ", "│   └── ") and their ASCII cousins ("|-- ", "`-- ", "+-- ").
const TREE_PREFIX = /^(?:[\s│├└─┬┴┼┃┣┗━|+\\-]|`(?=-))*/u;

/** The labels of a task's footprint line ("Files: app/a.ts, app/b/"). */
export const FILES_LABELS = ['files', 'paths', 'touches'] as const;

export interface TreeIssues {
  errors: PlanIssue[];
  warnings: PlanIssue[];
}

/**
 * Reads a box-drawing tree of issues inside a code block of an epic section:
 *
 *   Epic #1: Name                       (optional root; may word the epic differently)
 *   ├── Issue #1.2: Title (24 hours)
 *   │   ├── Depends on: #1.1
 *   │   ├── Files: app/engine/, schema/migrations/*.sql
 *   │   └── Deliverables:
 *   │       └── Something
 *
 * Nesting is the column the text starts at, so any drawing style works. Returns the tasks found.
 */
export function parseTaskTree(lines: SourceLine[], epic: RawEpic, issues: TreeIssues): RawTask[] {
  const tasks: RawTask[] = [];
  let task: RawTask | null = null;
  let taskIndent = -1;
  let deliverablesIndent = -1;
  for (const { text: rawText, line } of lines) {
    const text = rawText.replace(/\r$/, '');
    const indent = TREE_PREFIX.exec(text)![0].length;
    const content = text.slice(indent).trim();
    if (content === '') continue;
    const head = readTaskLine(content);
    if (head) {
      const { item, deps } = splitDependencyTail(head.rest);
      const { title, hours } = splitEstimate(item);
      task = { key: head.key, epic: epic.key, keyEpic: head.epicKey, title, hours, dependsOn: [], deliverables: [], files: [], line };
      if (deps !== null) addDependencies(task, deps, line, issues);
      tasks.push(task);
      taskIndent = indent;
      deliverablesIndent = -1;
      continue;
    }
    if (!task || indent <= taskIndent) {
      const root = readEpicHeading(content);
      if (root && root.key !== epic.key) {
        issues.warnings.push({ line, message: `tree names Epic #${root.key} inside the section of epic ${epic.key}; its issues are counted in epic ${epic.key}` });
      }
      task = null;
      continue;
    }
    if (deliverablesIndent >= 0 && indent > deliverablesIndent) {
      task.deliverables.push(cleanItem(content));
      continue;
    }
    deliverablesIndent = -1;
    const deps = readLabelled(content, ['depends on', 'dependencies', 'dependency', 'blocked by', 'requires']);
    if (deps !== null) {
      addDependencies(task, deps, line, issues);
      continue;
    }
    const deliverables = readLabelled(content, ['deliverables', 'deliverable', 'outputs']);
    if (deliverables !== null) {
      deliverablesIndent = indent;
      if (deliverables !== '') task.deliverables.push(cleanItem(deliverables));
      continue;
    }
    const files = readLabelled(content, FILES_LABELS);
    if (files !== null) {
      task.files.push(...readFilesList(files));
      continue;
    }
    const estimate = readLabelled(content, ['estimate', 'hours', 'effort']);
    if (estimate !== null) {
      const h = /(\d+(?:\.\d+)?)/.exec(estimate);
      if (h && task.hours === null) task.hours = Number(h[1]);
    }
    // Anything else under an issue is commentary, not structure.
  }
  return tasks;
}

function splitDependencyTail(text: string): { item: string; deps: string | null } {
  const m = /\s*(?:[—–]|--|-|;|,|\|)\s*depends on\s*:?\s*/i.exec(text);
  return m ? { item: text.slice(0, m.index), deps: text.slice(m.index + m[0].length) } : { item: text, deps: null };
}

export function addDependencies(task: { dependsOn: RawTask['dependsOn'] }, text: string, line: number, issues: TreeIssues): void {
  const parsed = parseDependencies(text);
  for (const dep of parsed.deps) task.dependsOn.push({ dep, line });
  for (const message of parsed.problems) issues.errors.push({ line, message });
}
