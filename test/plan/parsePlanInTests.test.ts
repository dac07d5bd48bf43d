import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { EXAMPLE_PLAN, fixture, read } from './helpers.js';

/**
 * The example-plan, list-form and error-fixture checks of parsePlan.test.ts, with the parse inside
 * each test. There the plans are parsed once per describe block, while the file is collected: a
 * mutation-testing run switches its mutant on only when the tests start, so those checks saw the
 * unmutated parser and could kill nothing in app/plan/parse (Stryker counted their coverage as
 * static). Parsing here, per test, lets each mutant of the parser meet these assertions.
 */
const example = () => parsePlan(read(EXAMPLE_PLAN), 'remediation-plan.md');
const list = () => parsePlan(read(fixture('simple-list.md')), 'simple-list.md');
const broken = () => parsePlan(read(fixture('errors.md')), 'errors.md');

describe('parsePlan, parsed per test: the example remediation plan', () => {
  it('finds 5 epics, 27 tasks and 564 hours, with each epic\'s hours, priority and line', () => {
    const plan = example();
    expect(plan.errors).toEqual([]);
    expect(plan.file).toBe('remediation-plan.md');
    expect(plan.totals).toEqual({ epics: 5, tasks: 27, hours: 564, declaredHours: 592 });
    expect(plan.epics.map((e) => [e.key, e.hours, e.declaredHours, e.priority])).toEqual([
      ['1', 160, 160, 0], ['2', 60, 60, 1], ['3', 140, 120, 1], ['4', 40, 40, 1], ['5', 164, 152, 2],
    ]);
    const lines = read(EXAMPLE_PLAN).split('\n');
    for (const e of plan.epics) expect(lines[e.line - 1]).toContain(`Epic ${e.key}`);
    for (const t of plan.tasks) {
      expect(lines[t.line - 1]).toContain(t.key);
      expect(t.epic).toBe(t.key.split('.')[0]);
    }
    expect(plan.tasks.map((t) => t.key).join(' ')).toBe(
      '1.1 1.2 1.3 1.4 1.5 1.6 1.7 2.1 2.2 2.3 2.4 2.5 3.1 3.2 3.3 3.4 3.5 4.1 4.2 4.3 4.4 4.5 5.1 5.2 5.3 5.4 5.5',
    );
  });

  it('warns about each disagreeing total, naming both numbers, at a real line', () => {
    const plan = example();
    const text = plan.warnings.map((w) => w.message).join('\n');
    expect(text).toMatch(/120 hours but its tasks add up to 140/);
    expect(text).toMatch(/152 hours but its tasks add up to 164/);
    expect(plan.warnings.some((w) => /table declares 592 .* 564/.test(w.message))).toBe(true);
    expect(plan.warnings.every((w) => w.line > 0)).toBe(true);
  });

  it('reads task, epic and threshold dependencies without repeating the epic ones on tasks', () => {
    const plan = example();
    const task = (k: string) => plan.tasks.find((t) => t.key === k)!;
    const epic = (k: string) => plan.epics.find((e) => e.key === k)!;
    expect(task('5.2').dependsOn).toEqual(['epic:1', 'epic:2']);
    expect(epic('2').dependsOn).toEqual(['epic:1@50']);
    expect(epic('5').dependsOn).toEqual(['epic:3']);
    expect(epic('1').dependsOn).toEqual([]);
    expect(task('5.3').dependsOn).toEqual([]);
    expect(task('1.7').dependsOn).toEqual(['1.2', '1.3', '1.4', '1.5', '1.6']);
    expect(task('2.4').dependsOn).toEqual(['2.1', '1.4', '1.5', '1.6']);
  });

  it('keeps parentheses in titles, takes the last "(N hours)", and reads deliverables and criteria', () => {
    const plan = example();
    const t = plan.tasks.find((x) => x.key === '3.2')!;
    expect(t.title).toBe('Split GarageView (1,345 lines → modules)');
    expect(t.hours).toBe(40);
    expect(t.deliverables).toContain('Filter, metrics and export hooks');
    expect(plan.epics[4]!.completionCriteria).toEqual(['80% coverage on server and client', 'Accessibility audit passes', 'Tidy directory layout']);
    expect(plan.epics.every((e) => e.completionCriteria.length >= 2)).toBe(true);
    expect(plan.tasks.every((x) => x.title !== '' && x.hours > 0)).toBe(true);
  });
});

describe('parsePlan, parsed per test: the hand-written list form', () => {
  it('reads epics, estimates, inline and nested dependencies, deliverables and criteria', () => {
    const plan = list();
    expect(plan.errors).toEqual([]);
    expect(plan.epics.map((e) => [e.key, e.title, e.priority, e.hours, e.dependsOn])).toEqual([
      ['1', 'Payments API', 0, 20, []],
      ['2', 'Storefront', 1, 12, ['epic:1@50']],
    ]);
    expect(plan.tasks.map((t) => [t.key, t.title, t.hours, t.dependsOn])).toEqual([
      ['1.1', 'Payment intents endpoint', 8, []],
      ['1.2', 'Webhook receiver', 4, ['1.1']],
      ['1.3', 'Refunds', 8, ['1.1', '1.2']],
      ['2.1', 'Cart page', 6, []],
      ['2.2', 'Checkout page (Stripe Elements)', 6, ['2.1', 'epic:1']],
    ]);
    expect(plan.tasks[2]!.deliverables).toEqual(['Refund endpoint', 'Ledger entries', 'Refund e-mail template']);
    expect(plan.tasks[0]!.deliverables).toEqual([]);
    expect(plan.epics[1]!.completionCriteria).toEqual(['A test customer can pay and get refunded']);
    expect(plan.epics[0]!.completionCriteria).toEqual([]);
    expect(plan.tasks.map((t) => t.line)).toEqual([7, 8, 9, 20, 21]);
    expect(plan.epics.map((e) => e.line)).toEqual([5, 15]);
    expect(plan.tasks.some((t) => t.key === '9.9')).toBe(false);
    expect(plan.totals).toEqual({ epics: 2, tasks: 5, hours: 32, declaredHours: 32 });
  });
});

describe('parsePlan, parsed per test: errors', () => {
  it('reports every error kind with its line, and nothing else', () => {
    const plan = broken();
    const at = (line: number) => plan.errors.filter((e) => e.line === line).map((e) => e.message).join(' | ');
    expect(at(6)).toMatch(/task 1\.2 "Second" has no estimate: end its title with "\(N hours\)"/);
    expect(at(7)).toMatch(/duplicate task key 1\.1 \(first defined at line 5\)/);
    expect(at(8)).toMatch(/task 1\.3 depends on 1\.9, which is not a task/);
    expect(at(9)).toMatch(/task 1\.4 depends on its own epic 1/);
    expect(at(11)).toMatch(/epic 2 "Empty" has no tasks/);
    expect(at(17)).toMatch(/dependency cycle: 3\.1 → 3\.2 → 3\.1/);
    expect(at(18)).toMatch(/depends on epic 7, which is not an epic/);
    expect(at(19)).toMatch(/cannot read dependency "the moon": write a task as 1\.2/);
    expect(plan.errors).toHaveLength(8);
    expect(plan.errors.map((e) => e.line)).toEqual([...plan.errors.map((e) => e.line)].sort((a, b) => a - b));
  });
});
