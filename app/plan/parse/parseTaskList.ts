import type { ListItemBlock, SourceLine } from './markdownBlocks.js';
import type { RawEpic, RawTask } from './rawPlan.js';
import { addDependencies, FILES_LABELS, type TreeIssues } from './parseTaskTree.js';
import { readFilesList } from './footprint.js';
import { cleanItem, readLabelled, readTaskLine, splitEstimate, splitInlineDependencies } from './planText.js';

/**
 * Reads the hand-written form: list items under an epic heading,
 *
 *   - [ ] 1.2 Title (3 hours) — depends on 1.1, Epic #2
 *     - Depends on: 1.1              (alternative to the inline form)
 *     - Files: app/a.ts, app/b/      (the task's footprint)
 *     - Deliverables: ...            (or nested items; other nested items are deliverables too)
 *
 * Items that do not start with a task key are not tasks and are skipped.
 */
export function parseTaskList(items: ListItemBlock[], epic: RawEpic, issues: TreeIssues): RawTask[] {
  const tasks: RawTask[] = [];
  for (const item of items) {
    const first = item.lines[0];
    if (!first) continue;
    // A long item wraps onto following lines; the first labelled line ("Depends on:") ends its title.
    let headEnd = 1;
    while (headEnd < item.lines.length && !isLabelled(item.lines[headEnd]!.text)) headEnd++;
    const head = readTaskLine(item.lines.slice(0, headEnd).map((l) => l.text).join(' '));
    if (!head) continue;
    const { item: text, deps } = splitInlineDependencies(head.rest);
    const { title, hours } = splitEstimate(text);
    const task: RawTask = { key: head.key, epic: epic.key, keyEpic: head.epicKey, title, hours, dependsOn: [], deliverables: [], files: [], line: first.line };
    if (deps !== null) addDependencies(task, deps, first.line, issues);
    for (const l of item.lines.slice(headEnd)) readDetail(task, l, [], issues);
    for (const child of item.children) {
      const l = child.lines[0];
      if (l) readDetail(task, l, child.children, issues);
    }
    tasks.push(task);
  }
  return tasks;
}

function readDetail(task: RawTask, l: SourceLine, children: ListItemBlock[], issues: TreeIssues): void {
  const deps = readLabelled(l.text, ['depends on', 'dependencies', 'dependency', 'blocked by', 'requires']);
  if (deps !== null) {
    addDependencies(task, deps, l.line, issues);
    return;
  }
  const files = readLabelled(l.text, FILES_LABELS);
  if (files !== null) {
    task.files.push(...readFilesList(files));
    return;
  }
  const deliverables = readLabelled(l.text, ['deliverables', 'deliverable', 'outputs']);
  if (deliverables !== null) {
    if (deliverables !== '') task.deliverables.push(cleanItem(deliverables));
    for (const c of children) for (const cl of c.lines.slice(0, 1)) task.deliverables.push(cleanItem(cl.text));
    return;
  }
  const estimate = readLabelled(l.text, ['estimate', 'hours', 'effort']);
  if (estimate !== null) {
    const h = /(\d+(?:\.\d+)?)/.exec(estimate);
    if (h && task.hours === null) task.hours = Number(h[1]);
    return;
  }
  if (l.text !== '') task.deliverables.push(cleanItem(l.text));
}

function isLabelled(text: string): boolean {
  return readLabelled(text, ['depends on', 'dependencies', 'dependency', 'blocked by', 'requires', 'deliverables', 'deliverable', 'outputs', 'estimate', 'hours', 'effort', ...FILES_LABELS]) !== null;
}
