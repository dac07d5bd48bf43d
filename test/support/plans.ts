import type { Plan, PlanEpic, PlanTask } from '../../schema/plan.js';

/** An epic as a test writes it: key and title, the rest as the parser would default it. */
export type EpicSketch = Pick<PlanEpic, 'key' | 'title'> & Partial<PlanEpic>;
/** A task as a test writes it: key, epic, title and hours, the rest as the parser would default it. */
export type TaskSketch = Pick<PlanTask, 'key' | 'epic' | 'title' | 'hours'> & Partial<PlanTask>;

/**
 * A whole plan (schema/plan.ts) from a sketch, filled in as app/plan/parse would: priority 2, no
 * declared estimate, each epic's hours the sum of its tasks', lines in list order, no issues.
 */
export function planOf(p: { epics: readonly EpicSketch[]; tasks: readonly TaskSketch[] }): Plan {
  const tasks: PlanTask[] = p.tasks.map((t, i) => ({ dependsOn: [], deliverables: [], footprint: [], line: p.epics.length + i + 1, ...t }));
  const hoursOf = (epic: string) => tasks.filter((t) => t.epic === epic).reduce((a, t) => a + t.hours, 0);
  const epics: PlanEpic[] = p.epics.map((e, i) => ({ priority: 2, declaredHours: null, hours: hoursOf(e.key), dependsOn: [], completionCriteria: [], line: i + 1, ...e }));
  const hours = tasks.reduce((a, t) => a + t.hours, 0);
  return { epics, tasks, totals: { epics: epics.length, tasks: tasks.length, hours, declaredHours: null }, warnings: [], errors: [] };
}
