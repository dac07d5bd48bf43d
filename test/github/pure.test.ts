import { describe, expect, it } from 'vitest';
import { parseFleetConfig, DEFAULT_FLEET_CONFIG } from '../../schema/fleetConfig.js';
import { parseCommands } from '../../app/github/commands/parse.js';
import { diffPlan, readMarker, renderTaskBody, mergeBody, topoOrder, END_MARKER, type ExistingIssue } from '../../app/github/planSync/index.js';
import { planOf } from '../support/plans.js';
import { parseIssueBody } from '../../app/github/handlers/issues.js';
import { closingIssues } from '../../app/github/handlers/pullRequests.js';
import { parseRunTitle } from '../../app/github/dispatch/runTitle.js';
import { branchKeyCandidates } from '../../app/github/sqlPort.js';
import { githubBaseUrl } from '../../app/github/ingest/probot.js';
import { remainingCriticalPathHours } from '../../app/plan/schedule/criticalPath.js';

describe('fleet.yml', () => {
  it('an empty file is a working config', () => {
    const r = parseFleetConfig('');
    expect(r).toEqual({ ok: true, config: DEFAULT_FLEET_CONFIG });
    expect(DEFAULT_FLEET_CONFIG.plan).toBe('.github/fleet-plan.md');
    expect(DEFAULT_FLEET_CONFIG.pools[0]).toMatchObject({ name: 'default', workflow: 'fleet-agent.yml', capacity: 1 });
    expect(DEFAULT_FLEET_CONFIG.commands.allow).toBe('write');
  });

  it('reports the line and the reason of each invalid field', () => {
    const r = parseFleetConfig(['plan: plans/p.md', 'pools:', '  - name: gpu', '    capacity: 0', '  - name: gpu', 'merge:', '  method: fast-forward', 'colour: blue'].join('\n'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e]));
    expect(byPath['pools.0.capacity']?.line).toBe(4);
    expect(byPath['merge.method']?.line).toBe(7);
    expect(byPath['merge.method']?.message).toMatch(/merge|squash|rebase/);
    expect(byPath['colour']).toMatchObject({ line: 8, message: 'unknown setting "colour"' });
    const dup = parseFleetConfig('pools:\n  - name: gpu\n  - name: gpu\n');
    expect(dup.ok === false && dup.errors[0]).toMatchObject({ path: 'pools.1.name', line: 3, message: 'duplicate pool name "gpu"' });
  });

  it('reports YAML syntax errors with their line, and never throws', () => {
    const r = parseFleetConfig('pools:\n  - name: a\n   bad: [\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.line).toBeGreaterThanOrEqual(2);
    for (const junk of ['- 1', '42', '\u0000\u0001', 'a: &x [*x]', 'x'.repeat(300_000)]) expect(() => parseFleetConfig(junk)).not.toThrow();
  });
});

describe('slash commands', () => {
  it('parses several commands, one per line, ignoring code and quotes', () => {
    const body = [
      'Please:',
      '/fleet priority p1',
      '> /fleet cancel',
      '```',
      '/fleet hold',
      '```',
      '    /fleet retry',
      '/fleet depends-on #12, #15',
      '/fleet estimate 8h',
      '/fleet assign gpu',
      '/fleet status',
    ].join('\n');
    const r = parseCommands(body);
    expect(r.map((x) => (x.ok ? x.command : x.error))).toEqual([
      { kind: 'priority', priority: 1 },
      { kind: 'depends-on', issues: [12, 15] },
      { kind: 'estimate', hours: 8 },
      { kind: 'assign', target: 'gpu' },
      { kind: 'status' },
    ]);
  });

  it('turns unknown or malformed commands into errors naming what is accepted', () => {
    const r = parseCommands('/fleet launch rockets\n/fleet priority p9\n/fleet estimate -3\n/fleet hold now\n/fleet');
    expect(r.every((x) => !x.ok)).toBe(true);
    expect(!r[0]!.ok && r[0]!.error).toMatch(/unknown command `launch`; accepted: assign/);
    expect(!r[1]!.ok && r[1]!.error).toMatch(/p0, p1, p2, p3/);
  });

  it('ignores text without commands and survives hostile input', () => {
    expect(parseCommands('no commands here /fleetish')).toEqual([]);
    expect(parseCommands(undefined)).toEqual([]);
    expect(parseCommands('/fleet hold\n'.repeat(10_000)).length).toBe(20);
    expect(() => parseCommands('```\n/fleet hold'.repeat(5000))).not.toThrow();
  });
});

describe('plan sync diff', () => {
  const plan = planOf({
    epics: [{ key: '1', title: 'Foundations', dependsOn: [] }],
    tasks: [
      { key: '1.2', epic: '1', title: 'Second', hours: 2, dependsOn: ['1.1'] },
      { key: '1.1', epic: '1', title: 'First', hours: 4, dependsOn: [] },
    ],
  });

  it('creates epics first, then tasks in dependency order, with sub-issue and blocked-by links', () => {
    const { actions } = diffPlan(plan, []);
    expect(actions.map((a) => `${a.op}:${'key' in a ? a.key : 'taskKey' in a ? a.taskKey : ''}`)).toEqual([
      'create:1',
      'create:1.1',
      'create:1.2',
      'link-sub-issue:1.1',
      'link-sub-issue:1.2',
      'add-blocked-by:1.2',
    ]);
  });

  it('is idempotent: issues that match the plan need nothing, and never closes anything', () => {
    const numbers = { epics: new Map([['1', 1]]), tasks: new Map([['1.1', 2], ['1.2', 3]]) };
    const existing: ExistingIssue[] = [
      { number: 2, id: 12, title: '1.1 First', body: renderTaskBody(plan.tasks[1]!, numbers) + '\nmy notes', state: 'open', labels: ['fleet:task'] },
      { number: 3, id: 13, title: '1.2 Second', body: renderTaskBody(plan.tasks[0]!, numbers), state: 'closed', labels: ['fleet:task'] },
      { number: 9, id: 19, title: 'gone', body: '<!-- fleet:task=9.9 -->', state: 'open', labels: ['fleet:task'] },
    ];
    const epicOnly = diffPlan({ ...plan, epics: [] }, existing, numbers);
    expect(epicOnly.actions).toEqual([]);
    expect(epicOnly.orphans).toEqual([{ number: 9, kind: 'task', key: '9.9' }]);
    const edited = diffPlan({ epics: [], tasks: [{ ...plan.tasks[1]!, hours: 6 }] }, existing, numbers);
    expect(edited.actions).toHaveLength(1);
    expect(edited.actions[0]).toMatchObject({ op: 'update', key: '1.1', number: 2, changes: ['body'] });
    const a = edited.actions[0] as { body: string };
    expect(a.body).toContain('Estimate: 6h');
    expect(a.body.endsWith(`${END_MARKER}\nmy notes`)).toBe(true);
  });

  it('reads markers and keeps what people wrote below the managed part', () => {
    expect(readMarker('x <!-- fleet:task=1.2 --> y')).toEqual({ kind: 'task', key: '1.2' });
    expect(readMarker('<!--fleet:epic=3-->')).toEqual({ kind: 'epic', key: '3' });
    expect(readMarker('nothing')).toBeNull();
    expect(mergeBody(`old${END_MARKER}\nkeep`, `new${END_MARKER}`)).toBe(`new${END_MARKER}\nkeep`);
  });

  it('computes critical paths through task and epic dependencies (one computation: app/plan/schedule)', () => {
    const cp = remainingCriticalPathHours({
      epics: [{ key: '1', dependsOn: [] }, { key: '2', dependsOn: ['epic:1@50'] }],
      tasks: [
        { key: '1.1', epic: '1', hours: 4, dependsOn: [] },
        { key: '1.2', epic: '1', hours: 2, dependsOn: ['1.1'] },
        { key: '2.1', epic: '2', hours: 10, dependsOn: [] },
      ],
    });
    // Epic 1 is 50% done (3 of 6 hours) when 1.1 ends: 1.2 finishes after the gate opened.
    expect(cp.get('1.1')).toBe(14);
    expect(cp.get('1.2')).toBe(2);
    expect(cp.get('2.1')).toBe(10);
  });
});

describe("plan sync order (app/plan/schedule's topological order)", () => {
  const t = (key: string, epic: string, dependsOn: string[] = []) => ({ key, epic, title: key, hours: 1, dependsOn });
  it('puts every task after its prerequisites, epic gates included, and keeps file order among equals', () => {
    const tasks = [t('1.2', '1', ['1.1']), t('2.1', '2'), t('1.1', '1'), t('1.3', '1', ['1.2', '2.1'])];
    const epics = [{ key: '1', dependsOn: [] }, { key: '2', dependsOn: ['epic:1@50'] }];
    const order = topoOrder(tasks, epics).map((x) => x.key);
    expect(order.indexOf('1.1')).toBeLessThan(order.indexOf('1.2'));
    expect(order.indexOf('1.2')).toBeLessThan(order.indexOf('1.3'));
    expect(order.indexOf('2.1')).toBeLessThan(order.indexOf('1.3'));
    // Epic 2 opens at half of epic 1's three hours: once 1.1 and 1.2 are done.
    expect(order.indexOf('1.2')).toBeLessThan(order.indexOf('2.1'));
    expect(order).toHaveLength(4);
  });
  it('puts tasks on a cycle last, in file order', () => {
    const order = topoOrder([t('1.1', '1', ['1.2']), t('1.2', '1', ['1.1']), t('1.3', '1')]).map((x) => x.key);
    expect(order).toEqual(['1.3', '1.1', '1.2']);
  });
});

describe('small readers', () => {
  it('reads Depends on and Estimate lines of hand-written issues', () => {
    expect(parseIssueBody('Fix it\n\nDepends on: #12, #15\n**Estimate:** 8h')).toEqual({ dependsOn: [12, 15], estimatedHours: 8 });
    expect(parseIssueBody('Estimate: 1.5 hours')).toEqual({ dependsOn: [], estimatedHours: 1.5 });
    expect(parseIssueBody(null)).toEqual({ dependsOn: [] });
  });

  it('finds closing references, branch keys and run titles', () => {
    expect(closingIssues('Closes #12. Also fixes #3 and resolves: #4; mentions #5')).toEqual([12, 3, 4]);
    expect(branchKeyCandidates('fleet/1.2-refactor-x')).toEqual(['1.2-refactor-x', '1.2-refactor', '1.2']);
    expect(branchKeyCandidates('feature/x')).toEqual([]);
    expect(parseRunTitle('fleet task=1.2 epoch=3')).toEqual({ key: '1.2', epoch: 3 });
    expect(parseRunTitle('CI')).toBeNull();
    expect(parseRunTitle('fleet task=i7 epoch=')).toEqual({ key: 'i7', epoch: null });
    expect(parseRunTitle('caller / fleet task=2.10 epoch=41')).toEqual({ key: '2.10', epoch: 41 });
    // an empty task must not capture the next word
    expect(parseRunTitle('fleet task= epoch=3')).toBeNull();
    expect(parseRunTitle('fleet task= epoch=')).toBeNull();
  });

  it('points at GitHub Enterprise when GHE_HOST is set', () => {
    expect(githubBaseUrl({})).toBe('https://api.github.com');
    expect(githubBaseUrl({ GHE_HOST: 'ghe.corp.test' })).toBe('https://ghe.corp.test/api/v3');
    expect(githubBaseUrl({ GHE_HOST: 'ghe.corp.test', GHE_PROTOCOL: 'http' })).toBe('http://ghe.corp.test/api/v3');
  });
});
