import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { looksLikePath, normalisePath, pathsInBackticks, readFilesList } from '../../app/plan/parse/footprint.js';
import { footprintsOverlap, globsOverlap } from '../../app/core/footprintOverlap.js';
import { pickAvoidingConflicts } from '../../app/core/pickAvoidingConflicts.js';

const TREE_PLAN = [
  '# Plan',
  '',
  '### Epic 1: Storage (16 hours)',
  '',
  '```',
  'Epic #1: Storage',
  '├── Issue #1.1: Repository base (8 hours)',
  '│   ├── Files: app/store/, schema/migrations/*.sql, ./README.md',
  '│   └── Deliverables:',
  '│       └── Move queries out of `api/src/routes/` and stop calling `pool.query()`',
  '└── Issue #1.2: Vehicles repository (8 hours)',
  '    ├── Depends on: #1.1',
  '    └── Deliverables:',
  '        └── `api/src/repositories/VehiclesRepository.ts`',
  '```',
  '',
].join('\n');

const LIST_PLAN = [
  '# Plan',
  '',
  '## Epic 2: API (5 hours)',
  '',
  '- [ ] 2.1 Routes use repositories in `api/src/routes/vehicles.ts` (3 hours)',
  '  - Files: api/src/routes/, api/src/app.ts',
  '- [ ] 2.2 Docs (2 hours)',
  '  - Deliverables: update `console.log` calls and `new ServiceName()` nothing else',
  '',
].join('\n');

describe('task footprints from the plan', () => {
  it('reads a Files: child in tree form plus backticked paths in the deliverables', () => {
    const plan = parsePlan(TREE_PLAN, 'tree.md');
    expect(plan.errors).toEqual([]);
    const t11 = plan.tasks.find((t) => t.key === '1.1')!;
    expect(t11.footprint).toEqual(['README.md', 'api/src/routes/**', 'app/store/**', 'schema/migrations/*.sql']);
    // The Files: line is structure, not a deliverable.
    expect(t11.deliverables.some((d) => d.startsWith('Files'))).toBe(false);
    expect(plan.tasks.find((t) => t.key === '1.2')!.footprint).toEqual(['api/src/repositories/VehiclesRepository.ts']);
  });

  it('reads an indented Files: sub-item in list form and paths in the title', () => {
    const plan = parsePlan(LIST_PLAN, 'list.md');
    expect(plan.errors).toEqual([]);
    const t21 = plan.tasks.find((t) => t.key === '2.1')!;
    expect(t21.footprint).toEqual(['api/src/app.ts', 'api/src/routes/**', 'api/src/routes/vehicles.ts']);
    expect(t21.deliverables).toEqual([]);
    expect(plan.tasks.find((t) => t.key === '2.2')!.footprint).toEqual([]);
  });

  it('tells paths from code in backticks', () => {
    for (const p of ['app/a.ts', 'api/src/routes/', 'README.md', '*.sql', 'docs/**/*.md', 'Dockerfile.dev', 'vite.config.ts', '*.test.js', 'docker-compose.prod.yml']) expect(looksLikePath(p), p).toBe(true);
    for (const c of ['pool.query()', 'new ServiceName()', 'console.log', 'process.env', 'x = 1', '1.2', '...', 'fleet seed', 'foo', 'a.b.c', 'db.users.find', 'app.use.x']) {
      expect(looksLikePath(c), c).toBe(false);
    }
    expect(pathsInBackticks('a `b/c.ts` and `d/` but not `e f`')).toEqual(['b/c.ts', 'd/**']);
  });

  it('normalises written paths and refuses ones outside the repository', () => {
    expect(normalisePath('./a//b.ts')).toBe('a/b.ts');
    expect(normalisePath('dir\\sub\\')).toBe('dir/sub/**');
    expect(normalisePath('/etc/passwd')).toBeNull();
    expect(normalisePath('../x.ts')).toBeNull();
    expect(normalisePath('  ')).toBeNull();
    expect(readFilesList('a.ts; b/ , , `c/*.md`')).toEqual(['a.ts', 'b/**', 'c/*.md']);
  });
});

describe('footprint overlap', () => {
  it.each([
    ['app/a.ts', 'app/a.ts', true],
    ['app/a.ts', 'app/b.ts', false],
    ['app/**', 'app/engine/engine.ts', true],
    ['app/engine/engine.ts', 'app/**', true],
    ['app/**', 'schema/**', false],
    ['app/*.ts', 'app/main.ts', true],
    ['app/*.ts', 'app/engine/x.ts', false],
    ['app/*.ts', 'app/*.js', true], // two patterns in the same folder: doubt goes to overlap
    ['app/engine/*.ts', 'app/queue/*.ts', false],
    ['app/**/x.ts', 'app/queue/**', true],
    ['a/*/c.ts', 'a/b/d/c.ts', false],
    ['schema/migrations/*.sql', 'schema/migrations/0001_init.sql', true],
  ])('%s against %s: %s', (p, q, want) => {
    expect(globsOverlap(p, q)).toBe(want);
    expect(globsOverlap(q, p)).toBe(want);
  });

  it('overlaps when any pair overlaps, and never for an empty footprint', () => {
    expect(footprintsOverlap(['a/x.ts', 'b/**'], ['c/y.ts', 'b/z.ts'])).toBe(true);
    expect(footprintsOverlap(['a/x.ts'], ['c/y.ts'])).toBe(false);
    expect(footprintsOverlap([], ['c/y.ts'])).toBe(false);
  });
});

describe('conflict-aware pick', () => {
  const fp = (footprint: string[], pathHours = 1, hours = 1) => ({ footprint, pathHours, hours });
  const busy = (footprint: string[], hoursLeft = 2) => ({ footprint, hoursLeft });
  const A = ['src/shared.ts'];
  const B = ['src/shared.ts', 'src/b.ts'];
  const C = ['src/c.ts'];
  it('skips a candidate overlapping work under way while a free one exists, keeping queue order among the free', () => {
    expect(pickAvoidingConflicts([fp(B), fp(C)], [busy(A)], 'avoid')).toEqual({ index: 1 });
    expect(pickAvoidingConflicts([fp(B), fp(C), fp(['src/d.ts'])], [busy(A)], 'forbid')).toEqual({ index: 1 });
    expect(pickAvoidingConflicts([fp(C), fp(B)], [busy(A)], 'avoid')).toEqual({ index: 0 });
  });
  it('avoid lets a task with slack wait for its files, but hands out one that would delay the finish', () => {
    // B's path is 5 h, the files free up in 2 h, the project has 10 h left: B can wait.
    expect(pickAvoidingConflicts([fp(B, 5)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    // B's path is 9 h: waiting 2 h would end at 11 h > 10 h, so it goes now.
    expect(pickAvoidingConflicts([fp(B, 9)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: 0 });
    // Exactly on the horizon still fits.
    expect(pickAvoidingConflicts([fp(B, 8)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    // The first one that cannot wait goes, not simply the first.
    expect(pickAvoidingConflicts([fp(B, 3), fp(['src/shared.ts'], 9)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: 1 });
    // A colliding task on the critical path goes ahead of a free one behind it in the queue.
    expect(pickAvoidingConflicts([fp(B, 9), fp(C, 4)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: 0 });
    // A task waits behind colliding candidates ahead of it too: 5 h path + 2 h wait + 4 h queued > 10 h.
    expect(pickAvoidingConflicts([fp(B, 3, 4), fp(A, 5)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: 1 });
    // With 2 h queued ahead it fits (5 + 2 + 2 = 9 h): both wait.
    expect(pickAvoidingConflicts([fp(B, 3, 2), fp(A, 5)], [busy(A, 2)], 'avoid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
  });
  it('forbid hands out nothing that collides, ignore never looks', () => {
    expect(pickAvoidingConflicts([fp(B, 100)], [busy(A)], 'forbid', 10)).toEqual({ index: -1, reason: 'all-overlap' });
    expect(pickAvoidingConflicts([fp(B), fp(C)], [busy(A)], 'ignore')).toEqual({ index: 0 });
    expect(pickAvoidingConflicts([], [busy(A)], 'avoid')).toEqual({ index: -1, reason: 'none-ready' });
    expect(pickAvoidingConflicts([fp(B), fp(C)], [], 'forbid')).toEqual({ index: 0 });
  });
  it('a task without a footprint collides with nothing', () => {
    expect(pickAvoidingConflicts([fp([]), fp(C)], [busy(A)], 'forbid')).toEqual({ index: 0 });
  });
});
