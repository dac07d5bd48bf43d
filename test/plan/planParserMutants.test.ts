import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { parseTaskTree } from '../../app/plan/parse/parseTaskTree.js';
import type { RawEpic } from '../../app/plan/parse/rawPlan.js';

/**
 * The plan parser's readers (task list, task tree, document walker, markdown blocks and cutter,
 * cycles) at the edges a mutation run left untested (test/mutation/SURVIVORS.md, session 20).
 * Every plan is parsed inside its test, so the run's mutant is switched on when it is read.
 */
const tasks = (md: string) => parsePlan(md).tasks;
const task = (md: string, key: string) => {
  const t = tasks(md).find((x) => x.key === key);
  if (!t) throw new Error(`no task ${key}`);
  return t;
};
const listPlan = (...lines: string[]) => ['## Epic 1: A', '', '- [ ] 1.1 First (1 hour)', ...lines, ''].join('\n');
const treePlan = (...lines: string[]) => ['## Epic 1: A', '', '```', '├── Issue #1.1: First (1 hour)', ...lines, '```', ''].join('\n');

describe('task list: the details nested under an item', () => {
  it.each(['Depends on', 'Dependencies', 'Dependency', 'Blocked by', 'Requires'])('reads "%s:" as the task\'s dependencies', (label) => {
    expect(task(listPlan('- [ ] 1.2 Second', `  - ${label}: 1.1`), '1.2').dependsOn).toEqual(['1.1']);
  });

  it.each(['Deliverables', 'Deliverable', 'Outputs'])('reads "%s:" as deliverables, without the label', (label) => {
    expect(task(listPlan('- [ ] 1.2 Second', `  - ${label}: the report`), '1.2').deliverables).toEqual(['the report']);
  });

  it.each(['Estimate', 'Hours', 'Effort'])('reads "%s:" as the hours of a task without an estimate in its title', (label) => {
    const t = task(listPlan('- [ ] 1.2 Second', `  - ${label}: 12.25 hours`), '1.2');
    expect(t.hours).toBe(12.25);
    expect(t.deliverables).toEqual([]);
  });

  it('keeps the estimate of the title over a nested one', () => {
    expect(task(listPlan('- [ ] 1.2 Second (3 hours)', '  - Estimate: 5 hours'), '1.2').hours).toBe(3);
  });

  it('reads one deliverable per nested item under "Deliverables:", starting with its first line', () => {
    const t = task(listPlan('- [ ] 1.2 Second', '  - Outputs:', '    - line one', '      continued', '    - line two'), '1.2');
    expect(t.deliverables).toHaveLength(2);
    expect(t.deliverables[0]).toMatch(/^line one/);
    expect(t.deliverables[1]).toBe('line two');
  });

  it('adds no empty deliverable for a nested item without text (an image without alt text)', () => {
    expect(task(listPlan('- [ ] 1.2 Second', '  - ![](shot.png)', '  - notes'), '1.2').deliverables).toEqual(['notes']);
  });
});

describe('task list: a wrapped item ends its title at the first labelled line', () => {
  const wrapped = (label: string, value: string) => task(listPlan('- [ ] 1.2 Second', `  ${label}: ${value}`), '1.2');

  it.each(['Depends on', 'Dependencies', 'Dependency', 'Blocked by', 'Requires'])('"%s:" on the next line is a dependency, located on its own line', (label) => {
    const plan = parsePlan(listPlan('- [ ] 1.2 Second (2 hours)', `  ${label}: 1.9`));
    expect(plan.tasks.find((t) => t.key === '1.2')!.title).toBe('Second');
    // The unknown task is reported at the labelled line (line 5), not at the item's first line.
    expect(plan.errors.map((e) => [e.line, e.message])).toEqual([[5, 'task 1.2 depends on 1.9, which is not a task in this plan (epic 1 has 1.1, 1.2)']]);
  });

  it.each(['Deliverables', 'Deliverable', 'Outputs'])('"%s:" on the next line is a deliverable', (label) => {
    const t = wrapped(label, 'the report');
    expect([t.title, t.deliverables]).toEqual(['Second', ['the report']]);
  });

  it.each(['Estimate', 'Hours', 'Effort'])('"%s:" on the next line is the estimate', (label) => {
    const t = wrapped(label, '4 hours');
    expect([t.title, t.hours]).toEqual(['Second', 4]);
  });

  it.each(['Files', 'Paths', 'Touches'])('"%s:" on the next line is the footprint', (label) => {
    const t = wrapped(label, '`app/a.ts`');
    expect(t.title).toBe('Second');
    expect(t.footprint).toHaveLength(1);
  });
});

describe('task tree', () => {
  it.each(['Depends on', 'Dependencies', 'Dependency', 'Blocked by', 'Requires'])('reads "%s:" under an issue as its dependencies', (label) => {
    expect(task(treePlan('└── Issue #1.2: Second (1 hour)', `    └── ${label}: #1.1`), '1.2').dependsOn).toEqual(['1.1']);
  });

  it.each(['Deliverables', 'Deliverable', 'Outputs'])('reads "%s:" and the lines under it as deliverables', (label) => {
    const t = task(treePlan('└── Issue #1.2: Second (1 hour)', `    └── ${label}: first`, '        └── second'), '1.2');
    expect(t.deliverables).toEqual(['first', 'second']);
  });

  it('keeps reading an issue\'s details across an empty drawing line', () => {
    const t = task(treePlan('└── Issue #1.2: Second (1 hour)', '    │', '    ├── Depends on: #1.1', '', '    └── Deliverables: it'), '1.2');
    expect(t.dependsOn).toEqual(['1.1']);
    expect(t.deliverables).toEqual(['it']);
  });

  it('ends an issue at a line at its own level that is not an issue', () => {
    const t = task(treePlan('├── Issue #1.2: Second (1 hour)', '├── Depends on: #1.1', '└── Deliverables: not 1.2\'s'), '1.2');
    expect(t.dependsOn).toEqual([]);
    expect(t.deliverables).toEqual([]);
  });

  it('warns about a root naming another epic, not about one naming its own', () => {
    const own = parsePlan(['## Epic 1: A', '', '```', 'Epic #1: A', '├── Issue #1.1: First (1 hour)', '```', ''].join('\n'));
    expect(own.warnings).toEqual([]);
    const other = parsePlan(['## Epic 1: A', '', '```', 'Epic #2: B', '├── Issue #1.1: First (1 hour)', '```', ''].join('\n'));
    expect(other.warnings.map((w) => [w.line, w.message])).toEqual([[4, 'tree names Epic #2 inside the section of epic 1; its issues are counted in epic 1']]);
  });

  it('drops only the CR that ends a line given with CRLF endings', () => {
    const epic: RawEpic = { key: '1', title: 'A', priority: 2, declaredHours: null, dependsOn: [], completionCriteria: [], line: 1, tasks: [] };
    const got = parseTaskTree([{ text: '├── Issue #1.1: First (2 hours)\r', line: 1 }], epic, { errors: [], warnings: [] });
    expect(got.map((t) => [t.key, t.title, t.hours])).toEqual([['1.1', 'First', 2]]);
  });
});

describe('task tree: the dependency tail of an issue line', () => {
  const tree = (line: string) => task(treePlan(`└── ${line}`), '1.2');

  it.each([
    ['no space before the dash', 'Issue #1.2: Second (2 hours)— depends on #1.1'],
    ['no space after the dash', 'Issue #1.2: Second (2 hours) —depends on #1.1'],
    ['a colon after "depends on"', 'Issue #1.2: Second (2 hours) - depends on: #1.1'],
    ['no space after the colon', 'Issue #1.2: Second (2 hours) - depends on:#1.1'],
  ])('cuts the tail with %s', (_, line) => {
    const t = tree(line);
    expect([t.title, t.hours, t.dependsOn]).toEqual(['Second', 2, ['1.1']]);
  });

  it('reads "depends on" without a separator before it as part of the title', () => {
    const t = tree('Issue #1.2: Update what the API depends on (2 hours)');
    expect([t.title, t.hours, t.dependsOn]).toEqual(['Update what the API depends on', 2, []]);
  });

  it.each(['Estimate', 'Hours', 'Effort'])('reads "%s:" under an issue without an estimate as its hours', (label) => {
    expect(task(treePlan('└── Issue #1.2: Second', `    └── ${label}: 12.25 hours`), '1.2').hours).toBe(12.25);
  });
});

describe('the document walker', () => {
  it('reads a priority tag in the epic heading with spaces inside the brackets', () => {
    const plan = parsePlan(['## Epic 1: A (2 hours) ( P1 )', '', '- [ ] 1.1 First (2 hours)', '', '## Epic 2: B [ p3 ]', '', '- [ ] 2.1 b (1 hour)', ''].join('\n'));
    expect(plan.epics.map((e) => [e.title, e.priority, e.declaredHours])).toEqual([['A', 1, 2], ['B', 3, null]]);
  });

  it('reads a list after a code block as tasks, even after a criteria label', () => {
    const plan = parsePlan(['## Epic 1: A', '', 'Acceptance criteria:', '', '```sh', 'npm test', '```', '', '- [ ] 1.1 First (2 hours)', ''].join('\n'));
    expect(plan.tasks.map((t) => t.key)).toEqual(['1.1']);
    expect(plan.epics[0]!.completionCriteria).toEqual([]);
  });

  it('joins the wrapped lines of a criteria item with a space', () => {
    const plan = parsePlan(['## Epic 1: A', '', 'Completion criteria:', '', '- all tests', '  pass', '', '### Tasks', '', '- [ ] 1.1 First (2 hours)', ''].join('\n'));
    expect(plan.epics[0]!.completionCriteria).toEqual(['all tests pass']);
  });

  it('reads a paragraph after the criteria list as prose, not as more criteria', () => {
    const plan = parsePlan(['## Epic 1: A', '', 'Completion criteria:', '', '- all tests pass', '', 'Some notes on the epic.', '', '### Tasks', '', '- [ ] 1.1 First (2 hours)', ''].join('\n'));
    expect(plan.epics[0]!.completionCriteria).toEqual(['all tests pass']);
    expect(plan.tasks.map((t) => t.key)).toEqual(['1.1']);
  });

  it('adds no empty criterion for a line without text (an image without alt text)', () => {
    const plan = parsePlan(['## Epic 1: A', '', 'Completion criteria:', '![](shot.png)', 'all green', '', '### Tasks', '', '- [ ] 1.1 First (2 hours)', ''].join('\n'));
    expect(plan.epics[0]!.completionCriteria).toEqual(['all green']);
  });
});

describe('the document walker: an epic\'s own paragraph', () => {
  const twoEpics = (...lines: string[]) => parsePlan(['## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '', '## Epic 2: B', '', ...lines, '', '- [ ] 2.1 b (1 hour)', ''].join('\n'));

  it.each(['Dependencies', 'Depends on', 'Dependency', 'Blocked by', 'Requires'])('reads "%s:" as the epic\'s dependencies', (label) => {
    expect(twoEpics(`${label}: Epic #1`).epics[1]!.dependsOn).toEqual(['epic:1']);
  });

  it.each(['Completion criteria', 'Acceptance criteria', 'Definition of done'])('reads "%s:" and the lines after it as criteria', (label) => {
    const plan = parsePlan(['## Epic 1: A', '', `${label}: builds`, 'tests pass', '', '### Tasks', '', '- [ ] 1.1 a (1 hour)', ''].join('\n'));
    expect(plan.epics[0]!.completionCriteria).toEqual(['builds', 'tests pass']);
  });

  it('reads prose without a criteria label as prose', () => {
    expect(twoEpics('This epic is about B.').epics[1]!.completionCriteria).toEqual([]);
  });
});

describe('the document walker: totals declared outside the epics', () => {
  const withTotals = (...lines: string[]) => parsePlan([...lines, '', '## Epic 1: A', '', '- [ ] 1.1 a (2 hours)', ''].join('\n'));
  const declared = (...lines: string[]) => withTotals(...lines).totals.declaredHours;

  it('reads the TOTAL row of a table in the hours column, with or without closing pipes', () => {
    expect(declared('| Epic | Hours', '| --- | ---', '| Total | 12.25')).toBe(12.25);
    expect(declared('| Epic | Hour |', '| --- | --- |', '| Total | 12 |')).toBe(12);
    expect(declared('| Epic | Total hours | Estimate |', '| --- | --- | --- |', '| Total | 99 | 10 |')).toBe(10);
  });

  it('reads only a row named exactly "Total", and only a number at the start of its cell', () => {
    expect(declared('| Epic | Hours |', '| --- | --- |', '| Subtotal | 5 |', '| Totals by epic | 6 |', '| Total | 7 |')).toBe(7);
    expect(declared('| Epic | Hours |', '| --- | --- |', '| Total | TBD, was 40 |')).toBeNull();
  });

  it('takes the hours column from the header row only', () => {
    // The hours column is the first one, so no row named "Total" can carry a number in it; a later
    // row mentioning "effort" does not become the header.
    expect(declared('| Hours | Item |', '| --- | --- |', '| 3 | effort for review |', '| Total | 9 |')).toBeNull();
  });

  it.each([
    ['Total: 12.25 hours', 12.25],
    ['Total:12 hours', 12],
    ['Total remaining work: ~12h', 12],
    ['Total: 1 hour', 1],
    ['Total: 5 hr', 5],
  ])('reads "%s"', (line, hours) => {
    expect(declared(line)).toBe(hours);
  });

  it('quotes at most 60 characters of the line in the warning about a wrong total', () => {
    const line = `Total: 5 hours, ${'and a long explanation '.repeat(5)}`;
    expect(withTotals(line).warnings.map((w) => w.message)).toEqual([`the line "${line.slice(0, 60)}" declares 5 hours in total but the tasks add up to 2 hours`]);
  });
});

describe('cycles', () => {
  it('names a cycle once, also when later tasks wait on it', () => {
    const plan = parsePlan(['## Epic 1: A', '', '- [ ] 1.1 a (1 hour) — depends on 1.2', '- [ ] 1.2 b (1 hour) — depends on 1.1', '- [ ] 1.3 c (1 hour) — depends on 1.1', '- [ ] 1.4 d (1 hour) — depends on 1.3', ''].join('\n'));
    expect(plan.errors).toEqual([{ line: 3, message: 'dependency cycle: 1.1 → 1.2 → 1.1 (each waits for the next, so none can start)' }]);
  });

  const cycleOf = (...lines: string[]) => parsePlan([...lines, ''].join('\n')).errors.filter((e) => e.message.startsWith('dependency cycle'));

  it('reads a cycle entered from outside it from its earliest task in the file', () => {
    expect(cycleOf('## Epic 1: A', '', '- [ ] 1.1 a (1 hour) — depends on 1.3', '- [ ] 1.2 b (1 hour) — depends on 1.3', '- [ ] 1.3 c (1 hour) — depends on 1.2')).toEqual([
      { line: 4, message: 'dependency cycle: 1.2 → 1.3 → 1.2 (each waits for the next, so none can start)' },
    ]);
  });

  it('reads a cycle through epics from its earliest task, not from the epic it was entered at', () => {
    expect(cycleOf('## Epic 3: C', '', '- [ ] 3.1 c (1 hour) — depends on Epic #1', '', '## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '- [ ] 1.2 b (1 hour) — depends on Epic #2', '', '## Epic 2: B', '', 'Dependencies: Epic #1', '', '- [ ] 2.1 d (1 hour)')).toEqual([
      { line: 8, message: 'dependency cycle: 1.2 → epic:2 → 2.1 → epic:1 → 1.2 (each waits for the next, so none can start)' },
    ]);
    expect(cycleOf('## Epic 3: C', '', '- [ ] 3.1 c (1 hour) — depends on epic:1@50', '', '## Epic 1: A', '', '- [ ] 1.1 a (1 hour) — depends on Epic #2', '- [ ] 1.2 b (1 hour) — depends on Epic #2', '', '## Epic 2: B', '', 'Dependencies: Epic #1 must be 50% complete', '', '- [ ] 2.1 d (1 hour)')).toEqual([
      { line: 7, message: 'dependency cycle: 1.1 → epic:2 → 2.1 → epic:1@50 → 1.1 (each waits for the next, so none can start)' },
    ]);
  });
});

describe('cycles through a whole epic', () => {
  it('names the epics a cycle passes through by their gates only', () => {
    const plan = parsePlan(['## Epic 1: A', '', 'Dependencies: Epic #2', '', '- [ ] 1.1 a (1 hour)', '', '## Epic 2: B', '', '- [ ] 2.1 b (1 hour) — depends on 1.1', ''].join('\n'));
    expect(plan.errors).toEqual([{ line: 5, message: 'dependency cycle: 1.1 → epic:2 → 2.1 → 1.1 (each waits for the next, so none can start)' }]);
  });
});

describe('markdown blocks', () => {
  const longIntro = `${'An introduction that runs on. '.repeat(40)}\n\n`;

  it('reads a later paragraph of a list item as a detail line, keeping the item\'s first line as the task', () => {
    const plan = parsePlan(['## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '- [ ] 1.2 b (1 hour)', '', '  Depends on: 1.1', ''].join('\n'));
    expect(plan.tasks.map((t) => [t.key, t.dependsOn])).toEqual([['1.1', []], ['1.2', ['1.1']]]);
  });

  it('numbers a later paragraph of an item by its line in the whole document, also past the first piece', () => {
    const text = `${longIntro}## Epic 1: A\n\n- [ ] 1.1 a (1 hour)\n\n  Depends on: 1.9\n`;
    expect(text.length).toBeGreaterThan(1024);
    const plan = parsePlan(text);
    expect(plan.tasks.map((t) => [t.key, t.line])).toEqual([['1.1', 5]]);
    expect(plan.errors.map((e) => [e.line, e.message])).toEqual([[7, 'task 1.1 depends on 1.9, which is not a task in this plan (epic 1 has 1.1)']]);
  });

  it('reads no detail from a code block inside a list item', () => {
    const t = task(['## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '', '  ```', '  npm test', '  ```', ''].join('\n'), '1.1');
    expect(t.deliverables).toEqual([]);
  });

  it('reads a table row that starts after an inline HTML anchor as a table row', () => {
    const plan = parsePlan(['| Epic | Hours |', '| --- | --- |', '<a id="sum"></a> | Total | 9 |', '', '## Epic 1: A', '', '- [ ] 1.1 a (9 hours)', ''].join('\n'));
    expect(plan.totals.declaredHours).toBe(9);
  });
});

describe('parsePlan', () => {
  it('names the file "<plan>" when it is not given', () => {
    expect(parsePlan('').file).toBe('<plan>');
  });

  it('drops a byte-order mark at the start only: one inside the text is white space like any other', () => {
    const plan = parsePlan('\uFEFF## Epic 1: A\n\n- [ ] 1.1 a\uFEFFb (1 hour)\n');
    expect(plan.epics.map((e) => e.key)).toEqual(['1']);
    expect(plan.tasks.map((t) => t.title)).toEqual(['a b']);
    expect(parsePlan('## Epic 1: A\n\n- [ ] 1.1 a\uFEFFb (1 hour)\n').tasks.map((t) => t.title)).toEqual(['a b']);
  });
});

describe('markdown blocks: where a code block\'s lines start', () => {
  it('numbers a tree in indented code from the block\'s first line, also when it starts with "`--"', () => {
    const plan = parsePlan(['## Epic 1: A', '', '    `-- Issue #1.1: First (1 hour)', '        `-- Depends on: #1.9', ''].join('\n'));
    expect(plan.tasks.map((t) => [t.key, t.line])).toEqual([['1.1', 3]]);
    expect(plan.errors.map((e) => e.line)).toEqual([4]);
  });

  it('numbers a fenced tree from the line after its fence, with the fence indented or not', () => {
    for (const fence of ['```', '   ~~~']) {
      const plan = parsePlan(['## Epic 1: A', '', fence, '`-- Issue #1.1: First (1 hour)', fence, ''].join('\n'));
      expect(plan.tasks.map((t) => [t.key, t.line])).toEqual([['1.1', 4]]);
    }
  });

  it('reads an item whose first block is code by its first paragraph', () => {
    const plan = parsePlan(['## Epic 1: A', '', '- ```', '  npm test', '  ```', '  1.2 b (1 hour)', ''].join('\n'));
    expect(plan.tasks.map((t) => [t.key, t.line])).toEqual([['1.2', 6]]);
  });
});
