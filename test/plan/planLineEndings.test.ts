import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';

/**
 * A plan saved with old-Mac line endings (a lone CR) or Windows ones (CRLF) reads the same as
 * with LF. Markdown counts a lone CR as a line ending, but the plan reader split code blocks and
 * paragraphs on LF only, so a lone-CR plan lost its priority and dependency lines, every task
 * after the first line of a wrapped item, and every task of a tree.
 */
const lf = [
  '## Epic 1: A',
  'Priority: P1',
  'Dependencies: Epic #2',
  '',
  '- [ ] 1.1 a (1 hour)',
  '  Depends on: 1.2',
  '- [ ] 1.2 b (2 hours)',
  '',
  '## Epic 2: B',
  '',
  '```',
  '├── Issue #2.1: c (1 hour)',
  '│   └── Depends on: #2.2',
  '└── Issue #2.2: d (3 hours)',
  '```',
  '',
].join('\n');

describe('line endings', () => {
  it('reads a plan with lone-CR line endings as the same plan with LF endings', () => {
    const want = parsePlan(lf);
    expect(want.errors).toEqual([]);
    expect(want.tasks.map((t) => [t.key, t.dependsOn, t.line])).toEqual([
      ['1.1', ['1.2'], 5], ['1.2', [], 7], ['2.1', ['2.2'], 12], ['2.2', [], 14],
    ]);
    expect(want.epics.map((e) => [e.key, e.priority, e.dependsOn.length])).toEqual([['1', 1, 1], ['2', 2, 0]]);
    expect(parsePlan(lf.replaceAll('\n', '\r'))).toEqual(want);
  });

  it('reads a plan with CRLF line endings as the same plan with LF endings', () => {
    expect(parsePlan(lf.replaceAll('\n', '\r\n'))).toEqual(parsePlan(lf));
  });
});
