import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { ACCEPTED_DEPENDENCIES, parseDependencies } from '../../app/plan/parse/parseDependencies.js';
import { cleanItem, readEpicHeading, readLabelled, readPriority, readTaskLine, splitEstimate, splitInlineDependencies } from '../../app/plan/parse/planText.js';
import { splitMarkdown } from '../../app/plan/parse/splitMarkdown.js';
import { markdownBlocks } from '../../app/plan/parse/markdownBlocks.js';

/**
 * The plan parser's pieces, one behaviour at a time: the wording readers (planText), dependency
 * text, the markdown cutter, and the tree and list forms through parsePlan. Written against the
 * mutants a Stryker run of app/plan/parse left alive (test/mutation/SURVIVORS.md).
 */

describe('planText', () => {
  it('splitEstimate takes the last "(N hours)" in any spelling and cleans the title', () => {
    expect(splitEstimate('Refactor (1,345 lines) (40 hours)')).toEqual({ title: 'Refactor (1,345 lines)', hours: 40 });
    expect(splitEstimate('A ( ~ 1.5 hrs )')).toEqual({ title: 'A', hours: 1.5 });
    expect(splitEstimate('A (2h) then (3 HOURS)')).toEqual({ title: 'A (2h) then', hours: 3 });
    expect(splitEstimate('A (1 hour) —')).toEqual({ title: 'A', hours: 1 });
    expect(splitEstimate('  Spaced\t  out  title -  ')).toEqual({ title: 'Spaced out title', hours: null });
    expect(splitEstimate('Ends in a colon:')).toEqual({ title: 'Ends in a colon', hours: null });
    expect(splitEstimate('No (estimate) here')).toEqual({ title: 'No (estimate) here', hours: null });
    // The global regex keeps no state between calls.
    expect(splitEstimate('B (5 hours)').hours).toBe(5);
    expect(splitEstimate('B (5 hours)').hours).toBe(5);
  });

  it('readEpicHeading reads every separator, a bare "Epic N", and nothing else', () => {
    expect(readEpicHeading('Epic 1: Title (160 hours)')).toEqual({ key: '1', rest: 'Title (160 hours)' });
    expect(readEpicHeading('  epic #02 — Title')).toEqual({ key: '2', rest: 'Title' });
    expect(readEpicHeading('Epic 3. Title')).toEqual({ key: '3', rest: 'Title' });
    expect(readEpicHeading('EPIC 4 Title')).toEqual({ key: '4', rest: 'Title' });
    expect(readEpicHeading('Epic 5) Title')).toEqual({ key: '5', rest: 'Title' });
    expect(readEpicHeading('Epic #007')).toEqual({ key: '7', rest: '' });
    expect(readEpicHeading(' Epic 8 ')).toEqual({ key: '8', rest: '' });
    expect(readEpicHeading('Epics overview')).toBeNull();
    expect(readEpicHeading('The Epic 1: x')).toBeNull();
    expect(readEpicHeading('Epic one')).toBeNull();
  });

  it('readTaskLine reads the key forms and rejects what is not a task line', () => {
    expect(readTaskLine('Issue #1.2: Title (24 hours)')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title (24 hours)' });
    expect(readTaskLine('[x] 01.02 Title')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title' });
    expect(readTaskLine('[ ] task 3.4 - Title')).toEqual({ key: '3.4', epicKey: '3', rest: 'Title' });
    expect(readTaskLine('Story #5.6) Title')).toEqual({ key: '5.6', epicKey: '5', rest: 'Title' });
    expect(readTaskLine('1.2')).toBeNull();
    expect(readTaskLine('1.2x Title')).toBeNull();
    expect(readTaskLine('Version 1.2 ships')).toBeNull();
  });

  it('readLabelled matches only the listed labels, case-insensitively, and trims the value', () => {
    expect(readLabelled('Depends on:  1.1 ', ['depends on'])).toBe('1.1');
    expect(readLabelled('  PRIORITY : P1', ['priority'])).toBe('P1');
    expect(readLabelled('Priority:', ['priority'])).toBe('');
    expect(readLabelled('Priority: P1', ['depends on'])).toBeNull();
    expect(readLabelled('1.1: x', ['1.1'])).toBeNull();
    expect(readLabelled('no colon here', ['no colon here'])).toBeNull();
    expect(readLabelled('Note - priority: P1', ['priority'])).toBeNull();
  });

  it('readPriority reads P-numbers and words, and gives null otherwise', () => {
    expect(readPriority('P0 - CRITICAL')).toBe(0);
    expect(readPriority('p3')).toBe(3);
    expect(readPriority('P4')).toBeNull();
    expect(readPriority('XP1')).toBeNull();
    expect(['critical', 'Urgent', 'HIGH', 'medium', 'normal', 'low'].map(readPriority)).toEqual([0, 0, 1, 2, 2, 3]);
    expect(readPriority('highest')).toBeNull();
    expect(readPriority('soon')).toBeNull();
  });

  it('splitInlineDependencies cuts at "depends on" after any separator, keeping the item', () => {
    expect(splitInlineDependencies('Title (3 hours) — depends on 1.1, Epic #2')).toEqual({ item: 'Title (3 hours)', deps: '1.1, Epic #2' });
    expect(splitInlineDependencies('Title (depends on: 1.1)')).toEqual({ item: 'Title', deps: '1.1' });
    expect(splitInlineDependencies('Title; Depends On 2.1')).toEqual({ item: 'Title', deps: '2.1' });
    expect(splitInlineDependencies('Title')).toEqual({ item: 'Title', deps: null });
    expect(splitInlineDependencies('independs onward')).toEqual({ item: 'independs onward', deps: null });
  });

  it('cleanItem removes leading check marks and boxes, repeated, and folds spaces', () => {
    expect(cleanItem('✅ Done')).toBe('Done');
    expect(cleanItem('[x] [ ] ✔️  Two   marks ')).toBe('Two marks');
    expect(cleanItem('Keep ✅ inside')).toBe('Keep ✅ inside');
    expect(cleanItem('⬜\tTodo')).toBe('Todo');
  });
});

describe('parseDependencies', () => {
  const deps = (t: string) => parseDependencies(t).deps;
  const problems = (t: string) => parseDependencies(t).problems;

  it('reads none-words as no dependencies', () => {
    for (const t of ['', 'None', 'n/a.', 'Nothing yet', 'No dependencies', '—', '- none']) expect(parseDependencies(t)).toEqual({ deps: [], problems: [] });
    expect(deps('Nonetheless 1.1')).toEqual([]);
    expect(problems('Nonetheless 1.1')).toHaveLength(1);
  });

  it('reads tasks in every form, splitting on commas, semicolons, ampersands and "and"', () => {
    expect(deps('1.1, #1.2; Issue #01.3 & task 2.4 and on 3.5.')).toEqual([
      { kind: 'task', key: '1.1' }, { kind: 'task', key: '1.2' }, { kind: 'task', key: '1.3' },
      { kind: 'task', key: '2.4' }, { kind: 'task', key: '3.5' },
    ]);
    expect(deps('1.1 (the schema, mostly)')).toEqual([{ kind: 'task', key: '1.1' }]);
  });

  it('reads epics, thresholds and the numbers that follow an epic', () => {
    expect(deps('epic:1, epic:2@50, Epic #3 must be 25% complete, Epic 4 (UI, forms), 5')).toEqual([
      { kind: 'epic', key: '1', percent: 100 }, { kind: 'epic', key: '2', percent: 50 },
      { kind: 'epic', key: '3', percent: 25 }, { kind: 'epic', key: '4', percent: 100 }, { kind: 'epic', key: '5', percent: 100 },
    ]);
    expect(deps('Epic #1 @ 12.5')).toEqual([{ kind: 'epic', key: '1', percent: 12.5 }]);
    expect(deps('Epic 1 at least 100% done')).toEqual([{ kind: 'epic', key: '1', percent: 100 }]);
    // A bare number only continues a run of epics.
    expect(deps('1.1, 5').length).toBe(1);
    expect(problems('1.1, 5')).toEqual([expect.stringContaining('cannot read dependency "5"')]);
  });

  it('reads the plural "Epics 1 and 2" and a percent sign after @', () => {
    expect(parseDependencies('Epics 1 and 2')).toEqual({ deps: [{ kind: 'epic', key: '1', percent: 100 }, { kind: 'epic', key: '2', percent: 100 }], problems: [] });
    expect(deps('Epics #3, 4 must be 50% complete')).toEqual([{ kind: 'epic', key: '3', percent: 100 }, { kind: 'epic', key: '4', percent: 50 }]);
    expect(parseDependencies('epic:1@50%')).toEqual({ deps: [{ kind: 'epic', key: '1', percent: 50 }], problems: [] });
    expect(problems('epic:1@150%')).toEqual(['dependency "epic:1@150%" has threshold 150%: a threshold is more than 0 and at most 100']);
    // Only an "s" makes the plural: other words that start with "epic" are still refused.
    expect(problems('Epicenter 1')).toEqual([expect.stringContaining('cannot read dependency "Epicenter 1"')]);
    expect(problems('epic:1@50%%')).toHaveLength(1);
  });

  it('rejects thresholds outside (0, 100] and prose it cannot read, naming what is accepted', () => {
    expect(problems('epic:1@0')).toEqual(['dependency "epic:1@0" has threshold 0%: a threshold is more than 0 and at most 100']);
    expect(problems('epic:1@100.5')).toHaveLength(1);
    expect(deps('epic:1@100')).toEqual([{ kind: 'epic', key: '1', percent: 100 }]);
    expect(problems('Epic #1 must be 0% complete')).toEqual(['dependency "Epic #1 must be 0% complete" has threshold 0%: a threshold is more than 0 and at most 100']);
    expect(problems('Epic #1 @ 101')).toEqual(['dependency "Epic #1 @ 101" has threshold 101%: a threshold is more than 0 and at most 100']);
    expect(deps('Epic #1 must be 100% complete')).toEqual([{ kind: 'epic', key: '1', percent: 100 }]);
    // One message for every way of writing a threshold; a refused piece still names an epic,
    // so the bare number after it is an epic too.
    expect(parseDependencies('epic:1@0, 2')).toEqual({
      deps: [{ kind: 'epic', key: '2', percent: 100 }],
      problems: ['dependency "epic:1@0" has threshold 0%: a threshold is more than 0 and at most 100'],
    });
    expect(problems('Epic #1 when it feels right')).toEqual([expect.stringContaining('write a task as 1.2')]);
    expect(problems('the moon')).toEqual([`cannot read dependency "the moon": ${ACCEPTED_DEPENDENCIES}`]);
  });
});

describe('splitMarkdown', () => {
  it('returns short text whole, and long text in pieces that join back to it', () => {
    expect(splitMarkdown('short', 1024)).toEqual([{ text: 'short', firstLine: 1 }]);
    const text = Array.from({ length: 40 }, (_, i) => `## H${i}\n\npara ${i}\n`).join('\n');
    const pieces = splitMarkdown(text, 50);
    expect(pieces.length).toBeGreaterThan(5);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    for (const p of pieces) {
      expect(text.split('\n')[p.firstLine - 1]).toBe(p.text.split('\n')[0]);
      expect(p.text.length).toBeGreaterThanOrEqual(p === pieces.at(-1) ? 1 : 50);
    }
  });

  it('never cuts inside fenced code, an HTML comment or a raw block, nor before an indented line', () => {
    const filler = 'x'.repeat(60);
    const fenced = `${filler}\n\n\`\`\`\n${filler}\n\n## not a heading\n\n\`\`\`\n\nafter\n`;
    expect(splitMarkdown(fenced, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '```', 'after']);
    const tilde = `${filler}\n\n~~~~\n\n## in\n\n~~~\n\n## still in\n~~~~\n\nafter\n`;
    expect(splitMarkdown(tilde, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '~~~~', 'after']);
    const comment = `${filler}\n\n<!-- open\n\n## in\n\n-->\n\nafter\n`;
    expect(splitMarkdown(comment, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '<!-- open', 'after']);
    const oneLineComment = `${filler}\n\n<!-- closed, and long enough -->\n\nafter\n`;
    expect(splitMarkdown(oneLineComment, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '<!-- closed, and long enough -->', 'after']);
    const pre = `${filler}\n\n<pre>\n\n## in\n\n</PRE>\n\nafter\n`;
    expect(splitMarkdown(pre, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '<pre>', 'after']);
    const preClosed = `${filler}\n\n<pre>closed on its line</pre>\n\nafter\n`;
    expect(splitMarkdown(preClosed, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '<pre>closed on its line</pre>', 'after']);
    const inlineBackticks = `${filler}\n\n\`\`\` a \` b is inline code\n\nafter\n`;
    expect(splitMarkdown(inlineBackticks, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, '``` a ` b is inline code', 'after']);
    const indented = `${filler}\n\n    code\n\nafter\n`;
    expect(splitMarkdown(indented, 20).map((p) => p.text.split('\n')[0])).toEqual([filler, 'after']);
  });

  it('cuts before a heading or bullet without a blank line, but not in the middle of a paragraph', () => {
    const filler = 'y'.repeat(60);
    expect(splitMarkdown(`${filler}\n# Head\n${filler}\n- item\n${filler}\nplain\n`, 20).map((p) => p.text.split('\n')[0]))
      .toEqual([filler, '# Head', '- item']);
    expect(splitMarkdown(`${filler}\n#hashtag\n-dash\n`, 20)).toHaveLength(1);
  });

  it('gives the same blocks for a document read whole or in pieces', () => {
    const doc = Array.from({ length: 30 }, (_, i) => `## Epic ${i}: T\n\n- [ ] ${i}.1 A (1 hour)\n  - Files: a/${i}.ts\n\n\`\`\`\n├── Issue #${i}.2: B (2 hours)\n\`\`\`\n`).join('\n');
    expect(doc.length).toBeGreaterThan(1024);
    const whole = markdownBlocks(doc);
    expect(whole.filter((b) => b.type === 'heading')).toHaveLength(30);
    const code = whole.find((b) => b.type === 'code')!;
    expect(code.type === 'code' && code.lines[0]).toEqual({ text: '├── Issue #0.2: B (2 hours)', line: 7 });
    const last = whole.at(-1)!;
    expect(last.type === 'code' && last.lines[0]!.line).toBe(doc.split('\n').indexOf('├── Issue #29.2: B (2 hours)') + 1);
  });
});

describe('markdownBlocks', () => {
  it('numbers indented code from its own first line and fenced code from the line after the fence', () => {
    const blocks = markdownBlocks('para\n\n    indented\n\n```TS\nfenced\n```\n');
    expect(blocks).toEqual([
      { type: 'paragraph', lines: [{ text: 'para', line: 1 }] },
      { type: 'code', lang: '', lines: [{ text: 'indented', line: 3 }], line: 3 },
      { type: 'code', lang: 'ts', lines: [{ text: 'fenced', line: 6 }], line: 5 },
    ]);
  });

  it('keeps inline code backticks, image alt text and hard breaks, drops HTML, and reads quotes', () => {
    const blocks = markdownBlocks('# Head  *with*   `code`\n\nA ![alt](x.png) <b>b</b>  \nnext\n\n> ## Quoted\n');
    expect(blocks).toEqual([
      { type: 'heading', depth: 1, text: 'Head with `code`', line: 1 },
      { type: 'paragraph', lines: [{ text: 'A alt b', line: 3 }, { text: 'next', line: 4 }] },
      { type: 'heading', depth: 2, text: 'Quoted', line: 6 },
    ]);
  });

  it('reads list items: first paragraph by line, nested lists and later paragraphs as children', () => {
    const [list] = markdownBlocks('- a\n  wrapped\n\n  Later: x\n  - child\n');
    expect(list).toEqual({
      type: 'list', line: 1, items: [{
        lines: [{ text: 'a', line: 1 }, { text: 'wrapped', line: 2 }],
        children: [{ lines: [{ text: 'Later: x', line: 4 }], children: [] }, { lines: [{ text: 'child', line: 5 }], children: [] }],
      }],
    });
  });
});

describe('parsePlan: the tree form in detail', () => {
  it('reads nested deliverables, files, estimates, inline dependencies and a wrong root', () => {
    const p = parsePlan([
      '## Epic 1: Tree (11 hours)',
      '',
      '```',
      'Epic #9: Other name',
      '├── Issue #1.1: One — depends on 1.2',
      '│   ├── Files: app/a.ts, docs/',
      '│   ├── Deliverables: First thing',
      '│   │   ├── ✅ Second thing',
      '│   │   └── Third thing',
      '│   ├── Dependencies: 1.3',
      '│   └── Estimate: 4 hours',
      '├── Issue #1.2: Two (5 hours)',
      '│   └── Estimate: 9',
      '|-- Issue #1.3: Three (2 hours)',
      '`-- Commentary',
      'Not indented: ends the task',
      '    └── Deliverables: lost',
      '```',
    ].join('\n'));
    expect(p.errors).toEqual([]);
    expect(p.tasks.map((t) => [t.key, t.title, t.hours, t.dependsOn, t.deliverables, t.footprint, t.line])).toEqual([
      ['1.1', 'One', 4, ['1.2', '1.3'], ['First thing', 'Second thing', 'Third thing'], ['app/a.ts', 'docs/**'], 5],
      ['1.2', 'Two', 5, [], [], [], 12],
      ['1.3', 'Three', 2, [], [], [], 14],
    ]);
    expect(p.warnings).toEqual([{ line: 4, message: 'tree names Epic #9 inside the section of epic 1; its issues are counted in epic 1' }]);
  });

  it('does not read shell or data code blocks, nor code outside epics, as trees', () => {
    const p = parsePlan('## Epic 1: A\n\n```bash\n├── Issue #1.9: no (1 hour)\n```\n\n```\n├── Issue #1.1: yes (1 hour)\n```\n\n# Other\n\n```\n├── Issue #1.8: no (1 hour)\n```\n');
    expect(p.tasks.map((t) => t.key)).toEqual(['1.1']);
  });
});

describe('parsePlan: the list form in detail', () => {
  it('reads wrapped titles, labelled lines, files, estimates, deliverables and later paragraphs', () => {
    const p = parsePlan([
      '## Epic 2: List [p1]',
      '',
      '- [ ] 2.1 A long title',
      '  that wraps (3 hours)',
      '  Depends on: 2.2',
      '  Files: app/x.ts',
      '- [ ] 2.2 Second',
      '  - Estimate: 6 hours',
      '  - Estimate: 7 hours',
      '  - Deliverables: One',
      '    - Two',
      '  - Plain nested line',
      '  - Blocked by: 2.3',
      '- [ ] 2.3 Third (1 hour)',
      '  - Deliverables:',
      '  - Outputs: `lib/y.ts`',
      '- not a task',
      '',
    ].join('\n'));
    expect(p.errors).toEqual([]);
    expect(p.epics.map((e) => [e.key, e.title, e.priority])).toEqual([['2', 'List', 1]]);
    expect(p.tasks.map((t) => [t.key, t.title, t.hours, t.dependsOn, t.deliverables, t.footprint, t.line])).toEqual([
      ['2.1', 'A long title that wraps', 3, ['2.2'], [], ['app/x.ts'], 3],
      ['2.2', 'Second', 6, ['2.3'], ['One', 'Two', 'Plain nested line'], [], 7],
      ['2.3', 'Third', 1, [], ['`lib/y.ts`'], ['lib/y.ts'], 14],
    ]);
  });
});

describe('parsePlan: epics, priorities, criteria and totals', () => {
  it('reads heading tags, priority lines, criteria headings and labels, and closes a section at a same-level heading', () => {
    const p = parsePlan([
      '# Plan',
      '',
      'Total remaining work: ~1,003.5 hours',
      '',
      '| Epic | Hours |',
      '|---|---|',
      '| 1 | 3 |',
      '| **Total** | 9 |',
      '| TOTAL | 1,234 |',
      '',
      '## Epic 1: First (P0) (3 hours)',
      '',
      'Priority: whenever',
      '',
      '- [ ] 1.1 A (3 hours)',
      '',
      '### Acceptance criteria',
      '',
      '- [x] Works',
      '- ',
      '',
      '### Notes',
      '',
      '- [ ] 1.2 Under a sub-heading still counts (1 hour)',
      '',
      '## Epic 2:',
      '',
      'Priority: low',
      'Requires: Epic #1',
      '',
      '- [ ] 2.1 B (2 hours)',
      '',
      'Definition of done: shipped',
      'and documented',
      '',
      '## Timeline',
      '',
      '- [ ] 2.9 Not a task (5 hours)',
      '',
      'Epic total: 77 hours',
    ].join('\n'));
    expect(p.errors).toEqual([]);
    expect(p.epics.map((e) => [e.key, e.title, e.priority, e.declaredHours, e.hours, e.dependsOn, e.completionCriteria])).toEqual([
      ['1', 'First', 0, 3, 4, [], ['Works']],
      ['2', 'Epic 2', 3, null, 2, ['epic:1'], ['shipped', 'and documented']],
    ]);
    expect(p.tasks.map((t) => t.key)).toEqual(['1.1', '1.2', '2.1']);
    expect(p.warnings.map((w) => [w.line, w.message])).toEqual([
      [3, 'the line "Total remaining work: ~1,003.5 hours" declares 1003.5 hours in total but the tasks add up to 6 hours'],
      [8, 'the table declares 9 hours in total but the tasks add up to 6 hours'],
      [9, 'the table declares 1234 hours in total but the tasks add up to 6 hours'],
      [11, 'epic 1 "First" declares 3 hours but its tasks add up to 4 hours'],
      [13, 'cannot read priority "whenever": write P0, P1, P2 or P3 (or critical, high, medium, low); using P2'],
      [40, 'the line "Epic total: 77 hours" declares 77 hours in total but the tasks add up to 6 hours'],
    ]);
    expect(p.totals).toEqual({ epics: 2, tasks: 3, hours: 6, declaredHours: 1003.5 });
  });

  it('sums declared epic hours when every epic declares them and there is no document total', () => {
    const p = parsePlan('## Epic 1: A (1.25 hours)\n- [ ] 1.1 a (1.25 hours)\n## Epic 2: B (2.5 hours)\n- [ ] 2.1 b (2.5 hours)\n');
    expect(p.warnings).toEqual([]);
    expect(p.totals).toEqual({ epics: 2, tasks: 2, hours: 3.75, declaredHours: 3.75 });
    expect(parsePlan('## Epic 1: A (1 hour)\n- [ ] 1.1 a (1 hour)\n## Epic 2: B\n- [ ] 2.1 b (2 hours)\n').totals.declaredHours).toBeNull();
  });

  it('reports a duplicate epic, a task under another epic, and keeps the stricter of two thresholds', () => {
    const p = parsePlan([
      '## Epic 1: A', '- [ ] 1.1 a (1 hour)', '- [ ] 1.2 b (1 hour)',
      '## Epic 1: Again', '- [ ] 1.3 c (1 hour)',
      '## Epic 2: B', 'Dependencies: Epic #1 must be 50% complete, epic:1@75, epic:1@60',
      '- [ ] 3.1 misfiled (1 hour) — depends on epic:1@75, epic:1@90, 1.1, 1.1',
    ].join('\n'));
    expect(p.errors).toEqual([{ line: 4, message: 'epic 1 is defined twice (first at line 1); give each epic its own number' }]);
    expect(p.warnings).toEqual([{ line: 8, message: 'task 3.1 is listed under epic 2; it is counted there although its key names epic 3' }]);
    expect(p.epics[1]!.dependsOn).toEqual(['epic:1@75']);
    expect(p.tasks.find((t) => t.key === '3.1')!.dependsOn).toEqual(['epic:1@90', '1.1']);
    expect(p.tasks.map((t) => t.key)).toEqual(['1.1', '1.2', '3.1']);
  });

  it('suggests the keys of the epic a missing task would be in, at most eight', () => {
    const tasks = Array.from({ length: 10 }, (_, i) => `- [ ] 1.${i + 1} t (1 hour)`).join('\n');
    const p = parsePlan(`## Epic 1: A\n${tasks}\n## Epic 2: B\n- [ ] 2.1 b (1 hour) — depends on 1.99, 7.1, epic:9\n`);
    expect(p.errors.map((e) => e.message)).toEqual([
      'task 2.1 depends on 1.99, which is not a task in this plan (epic 1 has 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, ...)',
      'task 2.1 depends on 7.1, which is not a task in this plan',
      'task 2.1 depends on epic 9, which is not an epic in this plan (epics: 1, 2)',
    ]);
    const few = parsePlan('## Epic 1: A\n- [ ] 1.1 t (1 hour)\n- [ ] 1.2 u (1 hour) — depends on 1.3\n');
    expect(few.errors[0]!.message).toBe('task 1.2 depends on 1.3, which is not a task in this plan (epic 1 has 1.1, 1.2)');
  });

  it('lists at most twenty epics when naming the ones that exist', () => {
    const text = Array.from({ length: 22 }, (_, i) => `## Epic ${i + 1}: E\n- [ ] ${i + 1}.1 t (1 hour)${i === 0 ? ' — depends on epic:99' : ''}`).join('\n');
    const msg = parsePlan(text).errors[0]!.message;
    expect(msg).toBe(`task 1.1 depends on epic 99, which is not an epic in this plan (epics: ${Array.from({ length: 20 }, (_, i) => i + 1).join(', ')}, ...)`);
  });

  it('answers a thrown error with a located internal error instead of throwing', () => {
    const p = parsePlan(null as unknown as string, 'x.md');
    expect(p).toEqual({
      file: 'x.md', epics: [], tasks: [], totals: { epics: 0, tasks: 0, hours: 0, declaredHours: null }, warnings: [],
      errors: [{ line: 1, message: expect.stringMatching(/^internal error while reading the plan \(please report it\): \S/) }],
    });
    expect(parsePlan('\uFEFF## Epic 1: A\n- [ ] 1.1 a\u0000b (1 hour)\n').tasks[0]!.title).toBe('a\uFFFDb');
  });
});
