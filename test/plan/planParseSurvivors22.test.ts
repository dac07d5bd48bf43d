import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { ACCEPTED_DEPENDENCIES, parseDependencies } from '../../app/plan/parse/parseDependencies.js';
import { cleanItem, readEpicHeading, readLabelled, readTaskLine, splitInlineDependencies } from '../../app/plan/parse/planText.js';
import { looksLikePath } from '../../app/plan/parse/footprint.js';

/**
 * The plan parser's rules at the edges a complete Stryker run (session 22) left untested: how a
 * plan author may phrase dependencies, headings and task lines, and what a wrong plan is told.
 * Every plan is parsed inside its test, so the run's mutant is switched on when it is read.
 */

const epic = (key: string, percent = 100) => ({ kind: 'epic', key, percent });
const taskDep = (key: string) => ({ kind: 'task', key });
const cannotRead = (piece: string) => `cannot read dependency "${piece}": ${ACCEPTED_DEPENDENCIES}`;
const outsideRange = (piece: string, p: number) => `dependency "${piece}" has threshold ${p}%: a threshold is more than 0 and at most 100`;
const messages = (md: string) => parsePlan(md).errors.map((e) => e.message);

describe('dependency text: thresholds written in words', () => {
  it('reads a threshold with two decimals ("Epic #2 must be 12.25% complete")', () => {
    expect(parseDependencies('Epic #2 must be 12.25% complete')).toEqual({ deps: [epic('2', 12.25)], problems: [] });
  });

  it('reads a threshold with a space before the percent sign ("50 %")', () => {
    expect(parseDependencies('Epic #2 must be 50 % complete')).toEqual({ deps: [epic('2', 50)], problems: [] });
  });

  it('reads a threshold given in parentheses after the epic ("Epic 2 (50%)")', () => {
    expect(parseDependencies('Epic 2 (50%)')).toEqual({ deps: [epic('2', 50)], problems: [] });
  });

  it('rejects a threshold of 0% or above 100%, and accepts exactly 100%', () => {
    expect(parseDependencies('Epic #2 must be 0% complete').problems).toEqual([outsideRange('Epic #2 must be 0% complete', 0)]);
    expect(parseDependencies('Epic #2 must be 100.5% complete').problems).toEqual([outsideRange('Epic #2 must be 100.5% complete', 100.5)]);
    expect(parseDependencies('Epic #2 (0%)').problems).toEqual([outsideRange('Epic #2 (0%)', 0)]);
    expect(parseDependencies('Epic #2 must be 100% complete')).toEqual({ deps: [epic('2')], problems: [] });
  });

  it('reads "@N" after an epic as its threshold, with or without a space, and rejects "@0"', () => {
    expect(parseDependencies('Epic #2 @50')).toEqual({ deps: [epic('2', 50)], problems: [] });
    expect(parseDependencies('Epic #2 @ 50')).toEqual({ deps: [epic('2', 50)], problems: [] });
    expect(parseDependencies('Epic #2 @12.25')).toEqual({ deps: [epic('2', 12.25)], problems: [] });
    expect(parseDependencies('Epic #2 @0').problems).toEqual([outsideRange('Epic #2 @0', 0)]);
  });

  it('accepts "completed" and "all of it" as completion prose', () => {
    expect(parseDependencies('Epic #2 completed')).toEqual({ deps: [epic('2')], problems: [] });
    expect(parseDependencies('Epic #2 all of it')).toEqual({ deps: [epic('2')], problems: [] });
  });

  it('rejects prose after an epic that is not about completion, at its start or its end', () => {
    expect(parseDependencies('Epic #2 mostly done').problems).toEqual([cannotRead('Epic #2 mostly done')]);
    expect(parseDependencies('Epic #2 must be finished first').problems).toEqual([cannotRead('Epic #2 must be finished first')]);
  });

  it('reads the epic:N@P form with a decimal threshold, and only as the whole piece', () => {
    expect(parseDependencies('epic:2@12.25')).toEqual({ deps: [epic('2', 12.25)], problems: [] });
    expect(parseDependencies('see epic:2').problems).toEqual([cannotRead('see epic:2')]);
    expect(parseDependencies('epic:2 later').problems).toEqual([cannotRead('epic:2 later')]);
  });
});

describe('dependency text: how epics and tasks are named', () => {
  it('reads "Epic#2", "Epic # 2" and a two-digit "Epic 12"', () => {
    expect(parseDependencies('Epic#2').deps).toEqual([epic('2')]);
    expect(parseDependencies('Epic # 2').deps).toEqual([epic('2')]);
    expect(parseDependencies('Epic 12')).toEqual({ deps: [epic('12')], problems: [] });
  });

  it('reads an epic only at the start of its piece ("after Epic 2" is not read)', () => {
    expect(parseDependencies('after Epic 2')).toEqual({ deps: [], problems: [cannotRead('after Epic 2')] });
  });

  it('reads "Issue#1.2" and "task1.2" written without a space', () => {
    expect(parseDependencies('Issue#1.2').deps).toEqual([taskDep('1.2')]);
    expect(parseDependencies('task1.2').deps).toEqual([taskDep('1.2')]);
  });

  it('reads a parenthesis as a word break even with no space around it ("Epic #2(API)done")', () => {
    expect(parseDependencies('Epic #2(API)done')).toEqual({ deps: [epic('2')], problems: [] });
  });

  it('does not read a dash inside an epic\'s explanation as "none"', () => {
    expect(parseDependencies('Epic #3 (sign-up forms)')).toEqual({ deps: [epic('3')], problems: [] });
  });
});

describe('dependency text: numbers after an epic ("Epic 1, 2")', () => {
  it('reads bare numbers after an epic as more epics, also after the epic:N form', () => {
    expect(parseDependencies('Epic 1, 12')).toEqual({ deps: [epic('1'), epic('12')], problems: [] });
    expect(parseDependencies('Epic #1, # 2')).toEqual({ deps: [epic('1'), epic('2')], problems: [] });
    expect(parseDependencies('epic:1, 2')).toEqual({ deps: [epic('1'), epic('2')], problems: [] });
  });

  it('does not read a bare number first in the list as an epic', () => {
    expect(parseDependencies('2')).toEqual({ deps: [], problems: [cannotRead('2')] });
  });

  it('does not read a bare number after an unreadable piece as an epic', () => {
    expect(parseDependencies('Epic 1, soon, 2')).toEqual({ deps: [epic('1')], problems: [cannotRead('soon'), cannotRead('2')] });
  });

  it('reads a number only at the start of a piece after an epic ("see 3" is not read)', () => {
    expect(parseDependencies('Epic 1, see 3')).toEqual({ deps: [epic('1')], problems: [cannotRead('see 3')] });
  });
});

describe('dependency text: separators and placeholders', () => {
  it('ignores empty pieces left by a doubled or trailing separator', () => {
    expect(parseDependencies('1.1, , 1.2')).toEqual({ deps: [taskDep('1.1'), taskDep('1.2')], problems: [] });
    expect(parseDependencies('1.1; 1.2;')).toEqual({ deps: [taskDep('1.1'), taskDep('1.2')], problems: [] });
  });

  it('reports a doubled "and" instead of reading past it', () => {
    expect(parseDependencies('1.1 and  and 1.2')).toEqual({ deps: [taskDep('1.1')], problems: [cannotRead('and 1.2')] });
  });

  it('drops a run of dots after any piece, not only after the last one', () => {
    expect(parseDependencies('1.1.., 1.2')).toEqual({ deps: [taskDep('1.1'), taskDep('1.2')], problems: [] });
  });

  it('reads "None" with white space around it, and an ellipsis, as no dependencies', () => {
    expect(parseDependencies('  None  ')).toEqual({ deps: [], problems: [] });
    expect(parseDependencies('...')).toEqual({ deps: [], problems: [] });
  });
});

describe('plan wording: epic headings', () => {
  it('reads a heading that is only "Epic N", however the number is written', () => {
    expect(readEpicHeading('Epic3')).toEqual({ key: '3', rest: '' });
    expect(readEpicHeading('Epic # 3')).toEqual({ key: '3', rest: '' });
  });

  it('does not read a heading that only mentions an epic, or numbers it "2b"', () => {
    expect(readEpicHeading('The epic 3')).toBeNull();
    expect(readEpicHeading('Epic 2b')).toBeNull();
  });
});

describe('plan wording: task lines, labels and items', () => {
  it('reads a task line without a space after its checkbox, its word or its separator', () => {
    expect(readTaskLine('[x]1.2 Title')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title' });
    expect(readTaskLine('Story#1.2: Title')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title' });
    expect(readTaskLine('1.2:Title')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title' });
  });

  it('reads a task line with white space around it', () => {
    expect(readTaskLine('  1.2 Title  ')).toEqual({ key: '1.2', epicKey: '1', rest: 'Title' });
  });

  it('reads a label\'s value written right after the colon', () => {
    expect(readLabelled('Files:app/a.ts', ['files'])).toBe('app/a.ts');
  });

  it('reads one line: text running onto a second line is no heading, task line or label', () => {
    // Each reader gets one line from the markdown reader; text that still spans two is refused
    // rather than read up to the break with the rest silently dropped.
    expect(readEpicHeading('Epic 1: Title\nmore')).toBeNull();
    expect(readTaskLine('1.2 Title\nmore')).toBeNull();
    expect(readLabelled('Files: a.ts\nb.ts', ['files'])).toBeNull();
  });

  it('removes a checkbox or tick written without a space before the text', () => {
    expect(cleanItem('[x]Tests pass')).toBe('Tests pass');
    expect(cleanItem('✅Tests pass')).toBe('Tests pass');
  });
});

describe('plan wording: "depends on" after a task title', () => {
  it('finds "depends on" right after a dash with no space', () => {
    expect(splitInlineDependencies('Title (3 hours)—depends on 1.1')).toEqual({ item: 'Title (3 hours)', deps: '1.1' });
  });

  it('reads the dependencies written right after "depends on:"', () => {
    expect(splitInlineDependencies('Title — depends on:1.1')).toEqual({ item: 'Title', deps: '1.1' });
  });

  it('drops only the closing parenthesis at the very end, keeping those of an explanation', () => {
    expect(splitInlineDependencies('Title — depends on Epic 2 (UI), 1.3')).toEqual({ item: 'Title', deps: 'Epic 2 (UI), 1.3' });
    expect(splitInlineDependencies('Title (depends on 1.1) ')).toEqual({ item: 'Title', deps: '1.1' });
  });
});

describe('footprint: telling file names from code', () => {
  it('reads a capitalised name with a camel-case middle part as a file ("UserList.testUtils.ts")', () => {
    expect(looksLikePath('UserList.testUtils.ts')).toBe(true);
  });

  it('does not read a name with two dots in a row as a file', () => {
    expect(looksLikePath('vite..config.ts')).toBe(false);
    expect(looksLikePath('vite.config..ts')).toBe(false);
  });
});

describe('building the plan: what a wrong dependency is told', () => {
  const epicsPlan = (n: number, deps: string) => {
    const out: string[] = [];
    for (let e = 1; e <= n; e++) out.push(`## Epic ${e}: E${e}`, '', ...(e === 1 ? [`Dependencies: ${deps}`, ''] : []), `- [ ] ${e}.1 T (1 hour)`, '');
    return out.join('\n');
  };

  it('lists all twenty epics, without "...", when a plan of exactly twenty names a missing one', () => {
    const list = Array.from({ length: 20 }, (_, i) => i + 1).join(', ');
    expect(messages(epicsPlan(20, 'Epic 21'))).toEqual([`epic 1 depends on epic 21, which is not an epic in this plan (epics: ${list})`]);
  });

  it('names the epic whose dependency is missing', () => {
    expect(messages(epicsPlan(2, '2.9'))).toEqual(['epic 1 depends on 2.9, which is not a task in this plan (epic 2 has 2.1)']);
  });

  it('suggests the tasks of a two-digit epic by its whole number', () => {
    const md = ['## Epic 12: E', '', '- [ ] 12.1 A (1 hour)', '- [ ] 12.2 B (1 hour) — depends on 12.9', ''].join('\n');
    expect(messages(md)).toEqual(['task 12.2 depends on 12.9, which is not a task in this plan (epic 12 has 12.1, 12.2)']);
  });

  it('lists all eight tasks of an epic of eight, without "..."', () => {
    const items = Array.from({ length: 8 }, (_, i) => `- [ ] 1.${i + 1} T${i + 1} (1 hour)${i === 7 ? ' — depends on 1.9' : ''}`);
    expect(messages(['## Epic 1: E', '', ...items, ''].join('\n'))).toEqual([
      'task 1.8 depends on 1.9, which is not a task in this plan (epic 1 has 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8)',
    ]);
  });
});

describe('building the plan: dependencies and hours', () => {
  it('does not repeat on a task a task its epic already depends on', () => {
    const md = ['## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '- [ ] 1.2 b (1 hour)', '', '## Epic 2: B', '', 'Dependencies: 1.1', '', '- [ ] 2.1 c (1 hour) — depends on 1.1, 1.2', ''].join('\n');
    const p = parsePlan(md);
    expect(p.errors).toEqual([]);
    expect(p.tasks.find((t) => t.key === '2.1')?.dependsOn).toEqual(['1.2']);
  });

  it('does not warn about a declared total that matches the tasks', () => {
    const p = parsePlan(['Total remaining work: 3 hours', '', '## Epic 1: A', '', '- [ ] 1.1 a (1 hour)', '- [ ] 1.2 b (2 hours)', ''].join('\n'));
    expect(p.warnings).toEqual([]);
    expect(p.totals).toEqual({ epics: 1, tasks: 2, hours: 3, declaredHours: 3 });
  });

  it('tolerates up to half a hundredth of an hour between declared and summed hours, not more', () => {
    // Hours are kept to hundredths; a difference of at most 0.005 is rounding, not a wrong sum.
    const plan = (total: string, epicHours: string) => parsePlan([`Total remaining work: ${total} hours`, '', `## Epic 1: A (${epicHours} hours)`, '', '- [ ] 1.1 a (0.01 hours)', ''].join('\n'));
    expect(plan('0.005', '0.005').warnings).toEqual([]);
    expect(plan('0.02', '0.02').warnings.map((w) => w.line)).toEqual([1, 3]);
  });

  it('declares no hours for a document without epics', () => {
    expect(parsePlan('').totals).toEqual({ epics: 0, tasks: 0, hours: 0, declaredHours: null });
  });
});
