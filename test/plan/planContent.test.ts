import { describe, expect, it } from 'vitest';
import { planContent, PlanEpicSchema, PlanTaskSchema, type PlanContent } from '../../schema/plan.js';
import { parsePlan } from '../../app/plan/parse/parsePlan.js';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

describe('planContent: a hand-written plan in the parser\'s shape', () => {
  it('fills what the parser would, and the result passes the plan schemas', () => {
    const p = planContent({
      epics: [{ key: '1', title: 'Foundations' }, { key: '2', title: 'Features', dependsOn: ['epic:1@50'], priority: 0 }],
      tasks: [
        { key: '1.1', epic: '1', title: 'Schema', hours: 4 },
        { key: '1.2', epic: '1', title: 'Store', hours: 2, dependsOn: ['1.1'] },
        { key: '2.1', epic: '2', title: 'API', hours: 5 },
      ],
    });
    expect(p.epics.map((e) => [e.key, e.hours, e.priority, e.dependsOn])).toEqual([
      ['1', 6, 2, []],
      ['2', 5, 0, ['epic:1@50']],
    ]);
    expect(p.tasks[1]).toEqual({ key: '1.2', epic: '1', title: 'Store', hours: 2, dependsOn: ['1.1'], deliverables: [], footprint: [], line: 2 });
    for (const e of p.epics) expect(PlanEpicSchema.safeParse(e).success).toBe(true);
    for (const t of p.tasks) expect(PlanTaskSchema.safeParse(t).success).toBe(true);
  });

  it('refuses a malformed dependency, naming it', () => {
    expect(() => planContent({ epics: [{ key: '1', title: 'x' }], tasks: [{ key: '1.1', epic: '1', title: 'x', hours: 1, dependsOn: ['one'] }] })).toThrow(/epic:1@50/);
  });

  it('the parser\'s plan is a PlanContent, and the builder sums epic hours as the parser does', async () => {
    const file = fileURLToPath(new URL('../../seed/plans/remediation-plan.md', import.meta.url));
    const parsed = parsePlan(await readFile(file, 'utf8'), file);
    expect(parsed.errors).toEqual([]);
    const content: PlanContent = parsed;
    expect(content.tasks.length).toBeGreaterThan(10);
    const built = planContent({
      epics: content.epics.map(({ hours: _summed, ...e }) => e),
      tasks: content.tasks,
    });
    expect(built).toEqual({ epics: content.epics, tasks: content.tasks });
  });
});
