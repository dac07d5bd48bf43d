import { z } from 'zod';

/**
 * The plan model: what `fleet plan check --json` prints and what seeding and scheduling read.
 * Keys are strings ("1", "1.2") because they are names in the user's document, not numbers.
 */

/** "1.2" (a task), "epic:1" (all of epic 1 done), "epic:1@50" (epic 1 at least 50% done by estimated hours). */
export const DependencyRefSchema = z
  .string()
  .regex(/^(\d+\.\d+|epic:\d+(@(\d{1,2}(\.\d+)?|100))?)$/, 'expected "1.2", "epic:1" or "epic:1@50"');
export type DependencyRef = z.infer<typeof DependencyRefSchema>;

/** P0 (critical) .. P3 (low); 2 when the plan does not say. */
export const PrioritySchema = z.number().int().min(0).max(3).default(2);

export const PlanIssueSchema = z.object({
  line: z.number().int().min(1),
  message: z.string(),
});
export type PlanIssue = z.infer<typeof PlanIssueSchema>;

export const PlanEpicSchema = z.object({
  key: z.string().regex(/^\d+$/),
  title: z.string(),
  priority: PrioritySchema,
  /** The estimate the epic's heading states, which plans often get wrong. */
  declaredHours: z.number().nonnegative().nullable(),
  /** Sum of the epic's task estimates: the number the scheduler trusts. */
  hours: z.number().nonnegative(),
  /** The epic's own prerequisites; they apply to every task of the epic and are not repeated on tasks. */
  dependsOn: z.array(DependencyRefSchema),
  completionCriteria: z.array(z.string()),
  line: z.number().int().min(1),
});
export type PlanEpic = z.infer<typeof PlanEpicSchema>;

export const PlanTaskSchema = z.object({
  key: z.string().regex(/^\d+\.\d+$/),
  epic: z.string().regex(/^\d+$/),
  title: z.string(),
  /** 0 when the plan gave no estimate (that is also reported as an error). */
  hours: z.number().nonnegative(),
  dependsOn: z.array(DependencyRefSchema),
  deliverables: z.array(z.string()),
  /** Path globs the task is expected to touch (`Files:` line, backticked paths); used to keep parallel agents apart. */
  footprint: z.array(z.string()).default([]),
  line: z.number().int().min(1),
});
export type PlanTask = z.infer<typeof PlanTaskSchema>;

export const PlanTotalsSchema = z.object({
  epics: z.number().int().nonnegative(),
  tasks: z.number().int().nonnegative(),
  hours: z.number().nonnegative(),
  /** The document's own total (a "Total" line or table row), else the sum of epic headings, else null. */
  declaredHours: z.number().nonnegative().nullable(),
});
export type PlanTotals = z.infer<typeof PlanTotalsSchema>;

export const PlanSchema = z.object({
  epics: z.array(PlanEpicSchema),
  tasks: z.array(PlanTaskSchema),
  totals: PlanTotalsSchema,
  warnings: z.array(PlanIssueSchema),
  errors: z.array(PlanIssueSchema),
});
export type Plan = z.infer<typeof PlanSchema>;

/** A parse result: the plan plus the file name its issues are reported against. */
export type PlanResult = Plan & { file: string };

/** A dependency in structured form. `percent` is 100 for a whole epic. */
export type ParsedDependency = { kind: 'task'; key: string } | { kind: 'epic'; key: string; percent: number };

export function formatDependency(d: ParsedDependency): DependencyRef {
  if (d.kind === 'task') return d.key;
  return d.percent >= 100 ? `epic:${d.key}` : `epic:${d.key}@${d.percent}`;
}

/** Reads a model dependency string; null when it is not one of the three accepted forms. */
export function readDependency(ref: string): ParsedDependency | null {
  const task = /^(\d+\.\d+)$/.exec(ref);
  if (task) return { kind: 'task', key: task[1]! };
  const epic = /^epic:(\d+)(?:@(\d+(?:\.\d+)?))?$/.exec(ref);
  if (!epic) return null;
  const percent = epic[2] === undefined ? 100 : Number(epic[2]);
  if (!(percent > 0 && percent <= 100)) return null;
  return { kind: 'epic', key: epic[1]!, percent };
}

/** `file:line: message`, the form editors and CI annotate. */
export function formatPlanIssue(file: string, issue: PlanIssue): string {
  return `${file}:${issue.line}: ${issue.message}`;
}

/**
 * What the GitHub plan path (issue sync, seeding from a push or `fleet sync`) reads of a plan: its
 * epics and tasks as the parser gives them. A full `Plan` is one.
 */
export type PlanContent = Pick<Plan, 'epics' | 'tasks'>;

/** An epic or task written by hand (tests, JSON fixtures): what the parser would fill in is optional. */
export type PlanEpicInput = Pick<PlanEpic, 'key' | 'title'> & Partial<Omit<PlanEpic, 'key' | 'title'>>;
export type PlanTaskInput = Pick<PlanTask, 'key' | 'epic' | 'title' | 'hours'> & Partial<Omit<PlanTask, 'key' | 'epic' | 'title' | 'hours'>>;

/**
 * A hand-written plan in the parser's shape, checked by the same schemas: defaults are what the
 * parser uses when a document says nothing (priority 2, no dependencies, hours summed from tasks).
 * Throws a ZodError naming the field when a key or dependency is malformed.
 */
export function planContent(input: { epics: PlanEpicInput[]; tasks: PlanTaskInput[] }): PlanContent {
  const tasks = input.tasks.map((t, i) => PlanTaskSchema.parse({ dependsOn: [], deliverables: [], line: i + 1, ...t }));
  const epics = input.epics.map((e, i) =>
    PlanEpicSchema.parse({
      declaredHours: null,
      hours: tasks.filter((t) => t.epic === e.key).reduce((sum, t) => sum + t.hours, 0),
      dependsOn: [],
      completionCriteria: [],
      line: i + 1,
      ...e,
    }),
  );
  return { epics, tasks };
}
