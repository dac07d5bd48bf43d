import { describe, expect, it } from 'vitest';
import { runPlanCli as run } from '../support/runPlanCli.js';
import { EXAMPLE_PLAN, fixture } from './helpers.js';

describe('fleet plan check', () => {
  it('summarises the example plan with its warnings and exits 0', async () => {
    const r = await run(['plan', 'check', EXAMPLE_PLAN]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/5 epics, 27 tasks, 564 hours \(the document says 592\)/);
    expect(r.out).toMatch(/declares 120 hours but its tasks add up to 140/);
  });

  it('prints the JSON model', async () => {
    const r = await run(['plan', 'check', EXAMPLE_PLAN, '--json']);
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['epics', 'tasks', 'totals', 'warnings', 'errors']);
    expect(json.totals).toEqual({ epics: 5, tasks: 27, hours: 564, declaredHours: 592 });
    expect(json.tasks[0]).toEqual(expect.objectContaining({ key: '1.1', epic: '1', hours: 8, dependsOn: [], line: 20 }));
  });

  it('exits 1 and prints file:line: message for each error', async () => {
    const file = fixture('errors.md');
    const r = await run(['plan', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:6: task 1.2 "Second" has no estimate`);
    expect(r.err.split('\n').filter((l) => l.startsWith(`${file}:`))).toHaveLength(9);
  });

  it('exits 2 on a missing file, an unknown flag or a missing argument, with one clear line', async () => {
    const missing = await run(['plan', 'check', '/nonexistent/plan.md']);
    expect(missing).toMatchObject({ code: 2, err: 'cannot read plan /nonexistent/plan.md: no such file\n' });
    expect((await run(['plan', 'check', EXAMPLE_PLAN, '--jsno'])).code).toBe(2);
    expect((await run(['plan', 'check'])).code).toBe(2);
    expect((await run(['plan', 'schedule', EXAMPLE_PLAN])).code).toBe(2);
    expect((await run(['plan', 'schedule', EXAMPLE_PLAN, '--agents', 'zero'])).code).toBe(2);
    expect((await run(['seed', EXAMPLE_PLAN, '--project', 'nope'])).code).toBe(2);
  });

  it('has --help for every command', async () => {
    for (const args of [['plan', '--help'], ['plan', 'check', '--help'], ['plan', 'schedule', '--help'], ['seed', '--help']]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: fleet/);
    }
  });
});

describe('fleet plan schedule', () => {
  it('prints the schedule as JSON', async () => {
    const r = await run(['plan', 'schedule', EXAMPLE_PLAN, '--agents', '16', '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ agents: 16, makespanHours: 116, lowerBoundHours: 116, criticalPath: ['3.1', '3.2', '5.4'], criticalPathHours: 116, totalHours: 564, etaDays: 14.5 });
    expect(s.assignments).toHaveLength(27);
  });

  it('prints a table with the critical path marked', async () => {
    const r = await run(['plan', 'schedule', EXAMPLE_PLAN, '--agents', '3', '--hours-per-day', '6']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/critical path 116 h: 3\.1 → 3\.2 → 5\.4/);
    expect(r.out).toMatch(/^ \* 3\.1 /m);
    expect(r.out).toMatch(/^ {3}4\.1 /m);
    expect(r.out).toMatch(/at 6 h\/day/);
  });
});

describe('fleet seed', () => {
  it('seeds into the database named by DATABASE_URL and reports counts', async () => {
    const r = await run(['seed', EXAMPLE_PLAN, '--project', 'acme/fleet'], { DATABASE_URL: 'memory://' });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/into acme\/fleet \(new project\)/);
    expect(r.out).toMatch(/tasks: 27 created, 0 updated, 0 unchanged, 0 deleted/);
  });

  it('writes nothing for a plan with errors', async () => {
    const r = await run(['seed', fixture('errors.md')], { DATABASE_URL: 'memory://' });
    expect(r.code).toBe(1);
  });
});
