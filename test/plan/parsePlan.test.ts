import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { PlanSchema, formatPlanIssue } from '../../schema/plan.js';
import { EXAMPLE_PLAN, fixture, generatedListPlan, read } from './helpers.js';

describe('parsePlan on the example remediation plan', () => {
  const plan = parsePlan(read(EXAMPLE_PLAN), 'remediation-plan.md');

  it('finds 5 epics, 27 tasks and 564 hours without errors', () => {
    expect(plan.errors).toEqual([]);
    expect(plan.totals).toEqual({ epics: 5, tasks: 27, hours: 564, declaredHours: 592 });
    expect(plan.epics.map((e) => [e.key, e.hours, e.declaredHours])).toEqual([
      ['1', 160, 160], ['2', 60, 60], ['3', 140, 120], ['4', 40, 40], ['5', 164, 152],
    ]);
    expect(plan.epics.map((e) => e.priority)).toEqual([0, 1, 1, 1, 2]);
    expect(plan.tasks.map((t) => t.key)).toEqual([
      '1.1', '1.2', '1.3', '1.4', '1.5', '1.6', '1.7', '2.1', '2.2', '2.3', '2.4', '2.5',
      '3.1', '3.2', '3.3', '3.4', '3.5', '4.1', '4.2', '4.3', '4.4', '4.5', '5.1', '5.2', '5.3', '5.4', '5.5',
    ]);
    expect(() => PlanSchema.parse(plan)).not.toThrow();
  });

  it('warns about each disagreeing total, naming both numbers', () => {
    const text = plan.warnings.map((w) => w.message).join('\n');
    expect(text).toMatch(/120 hours but its tasks add up to 140/);
    expect(text).toMatch(/152 hours but its tasks add up to 164/);
    expect(plan.warnings.some((w) => /table declares 592 .* 564/.test(w.message))).toBe(true);
    expect(plan.warnings.every((w) => w.line > 0)).toBe(true);
  });

  it('reads task, epic and threshold dependencies without repeating the epic ones on tasks', () => {
    const task = (k: string) => plan.tasks.find((t) => t.key === k)!;
    const epic = (k: string) => plan.epics.find((e) => e.key === k)!;
    expect(task('5.2').dependsOn).toEqual(['epic:1', 'epic:2']);
    expect(epic('2').dependsOn).toEqual(['epic:1@50']);
    expect(epic('5').dependsOn).toEqual(['epic:3']);
    expect(epic('1').dependsOn).toEqual([]);
    expect(task('5.3').dependsOn).toEqual([]); // "Epic #3" is already its epic's dependency
    expect(task('1.7').dependsOn).toEqual(['1.2', '1.3', '1.4', '1.5', '1.6']);
    expect(task('2.4').dependsOn).toEqual(['2.1', '1.4', '1.5', '1.6']);
  });

  it('keeps parentheses in titles and takes the last "(N hours)" as the estimate', () => {
    const t = plan.tasks.find((x) => x.key === '3.2')!;
    expect(t.title).toBe('Split GarageView (1,345 lines → modules)');
    expect(t.hours).toBe(40);
    expect(t.deliverables).toContain('Filter, metrics and export hooks');
    expect(read(EXAMPLE_PLAN).split('\n')[t.line - 1]).toContain('Issue #3.2');
  });

  it('reads completion criteria per epic and ignores timelines, sprints, snippets and tables', () => {
    expect(plan.epics[4]!.completionCriteria).toEqual(['80% coverage on server and client', 'Accessibility audit passes', 'Tidy directory layout']);
    expect(plan.epics.every((e) => e.completionCriteria.length >= 2)).toBe(true);
    expect(plan.tasks.every((t) => t.title !== '' && t.hours > 0)).toBe(true);
  });
});

describe('parsePlan on the hand-written list form', () => {
  const plan = parsePlan(read(fixture('simple-list.md')), 'simple-list.md');
  it('reads epics, estimates, inline and nested dependencies and deliverables', () => {
    expect(plan.errors).toEqual([]);
    expect(plan.epics.map((e) => [e.key, e.title, e.priority, e.hours, e.dependsOn])).toEqual([
      ['1', 'Payments API', 0, 20, []],
      ['2', 'Storefront', 1, 12, ['epic:1@50']],
    ]);
    expect(plan.tasks.map((t) => [t.key, t.hours, t.dependsOn])).toEqual([
      ['1.1', 8, []], ['1.2', 4, ['1.1']], ['1.3', 8, ['1.1', '1.2']], ['2.1', 6, []], ['2.2', 6, ['2.1', 'epic:1']],
    ]);
    expect(plan.tasks[2]!.deliverables).toEqual(['Refund endpoint', 'Ledger entries', 'Refund e-mail template']);
    expect(plan.tasks[4]!.title).toBe('Checkout page (Stripe Elements)');
    expect(plan.epics[1]!.completionCriteria).toEqual(['A test customer can pay and get refunded']);
  });
  it('does not take list items outside epic sections as tasks', () => {
    expect(plan.tasks.some((t) => t.key === '9.9')).toBe(false);
  });
});

describe('parsePlan errors', () => {
  const plan = parsePlan(read(fixture('errors.md')), 'errors.md');
  const at = (line: number) => plan.errors.filter((e) => e.line === line).map((e) => e.message).join(' | ');

  it('reports every error kind with its line', () => {
    expect(at(6)).toMatch(/task 1\.2 "Second" has no estimate: end its title with "\(N hours\)"/);
    expect(at(7)).toMatch(/duplicate task key 1\.1 \(first defined at line 5\)/);
    expect(at(8)).toMatch(/task 1\.3 depends on 1\.9, which is not a task/);
    expect(at(9)).toMatch(/task 1\.4 depends on its own epic 1/);
    expect(at(11)).toMatch(/epic 2 "Empty" has no tasks/);
    expect(at(17)).toMatch(/dependency cycle: 3\.1 → 3\.2 → 3\.1/);
    expect(at(18)).toMatch(/depends on epic 7, which is not an epic/);
    expect(at(19)).toMatch(/cannot read dependency "the moon": write a task as 1\.2/);
    expect(plan.errors).toHaveLength(8);
    expect(formatPlanIssue(plan.file, plan.errors[0]!)).toMatch(/^errors\.md:6: task 1\.2/);
  });

  it('reports a file with no epics at line 1', () => {
    for (const text of ['', '# Just a title\n\nSome prose.\n', '- [ ] 1.1 Orphan task (3 hours)\n']) {
      const p = parsePlan(text, 'x.md');
      expect(p.errors).toEqual([{ line: 1, message: expect.stringMatching(/^no epics or tasks found/) }]);
    }
  });

  it('names a cycle that runs through an epic dependency', () => {
    const p = parsePlan(read(fixture('epic-cycle.md')));
    expect(p.errors).toEqual([{ line: 7, message: expect.stringContaining('dependency cycle: 1.3 → 2.1 → epic:1 → 1.3') }]);
  });

  it('accepts a loop through an epic threshold that enough other work satisfies', () => {
    const p = parsePlan(read(fixture('threshold-loop.md')));
    expect(p.errors).toEqual([]);
    expect(p.epics[1]!.dependsOn).toEqual(['epic:1@50']);
  });

  it('reports a self-dependency as a cycle and an epic depending on itself', () => {
    const p = parsePlan('## Epic 1: A\n\nDependencies: Epic #1\n\n- [ ] 1.1 a (1 hour) — depends on 1.1\n');
    expect(p.errors.map((e) => [e.line, e.message.slice(0, 40)])).toEqual([
      [3, 'epic 1 depends on itself; remove that de'],
      [5, 'dependency cycle: 1.1 → 1.1 (each waits '],
    ]);
  });

  it('rejects thresholds outside 1..100%', () => {
    const p = parsePlan('## Epic 1: A\n- [ ] 1.1 a (1 hour)\n## Epic 2: B\nDependencies: Epic #1 must be 150% complete\n- [ ] 2.1 b (1 hour)\n');
    expect(p.errors).toEqual([{ line: 4, message: expect.stringMatching(/threshold/) }]);
  });
});

describe('parsePlan on hostile input', () => {
  it('answers an unterminated fence with what it could read', () => {
    const p = parsePlan(read(fixture('unterminated-fence.md')));
    expect(p.errors).toEqual([]);
    expect(p.tasks.map((t) => [t.key, t.hours, t.deliverables])).toEqual([['1.1', 8, ['Something']]]);
  });

  it('never throws on binary garbage', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let i = 0; i < 20; i++) {
      const bytes = Uint8Array.from({ length: 20_000 }, rnd);
      const p = parsePlan(new TextDecoder().decode(bytes), 'garbage.bin');
      expect(p.errors.length).toBeGreaterThan(0);
      expect(p.tasks).toEqual([]);
    }
    const mixed = `${read(EXAMPLE_PLAN)}\n\u0000\u0001\uFFFF\uD800 ${'`'.repeat(5000)} \n`;
    expect(parsePlan(mixed).totals.tasks).toBe(27);
  });

  it('reads 10 MB of text around a plan (nested lists, trees, tables, fences)', () => {
    const noise = [
      '## Notes',
      '',
      '- remark\n  - nested remark\n    - deeper remark │ ├── Issue #9.9: not a task (9 hours)',
      '| a | b |\n|---|---|\n| 1 | 2 |',
      '```\n├── Issue #8.8: inside a non-epic code block (8 hours)\n```',
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.',
      '',
    ].join('\n');
    const text = read(EXAMPLE_PLAN) + '\n' + noise.repeat(Math.ceil(10_000_000 / noise.length));
    expect(text.length).toBeGreaterThan(10_000_000);
    const p = parsePlan(text, 'big.md');
    expect(p.errors).toEqual([]);
    expect(p.totals).toMatchObject({ epics: 5, tasks: 27, hours: 564 });
    // A generous bound: this asserts the result, not the time, on a shared two-core machine.
  }, 240_000);

  it('reads 10,000 tasks', () => {
    const p = parsePlan(generatedListPlan(100, 100), 'many.md');
    expect(p.errors).toEqual([]);
    expect(p.totals).toMatchObject({ epics: 100, tasks: 10_000, hours: 20_000 });
    expect(p.tasks[9_999]).toMatchObject({ key: '100.100', dependsOn: ['100.99'] });
  });

  it('finds a cycle at the end of a 10,000-task chain', () => {
    const lines = ['## Epic 1: Chain'];
    for (let i = 1; i <= 10_000; i++) lines.push(`- [ ] 1.${i} step (1 hour) — depends on 1.${i === 1 ? 10_000 : i - 1}`);
    const p = parsePlan(lines.join('\n'));
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.message).toMatch(/^dependency cycle: 1\.1 → 1\.10000 → 1\.9999 → /);
  });
});
