import type { ParsedDependency, PlanIssue } from '../../../schema/plan.js';

/** What the document says, before validation: dependencies keep the line they were written on. */
export interface RawDependency {
  dep: ParsedDependency;
  line: number;
}

export interface RawTask {
  key: string;
  /** The epic section the task was written in. */
  epic: string;
  /** The epic its key names ("2" for 2.1), which should equal `epic`. */
  keyEpic: string;
  title: string;
  hours: number | null;
  dependsOn: RawDependency[];
  deliverables: string[];
  /** Globs from a `Files:` line; backticked paths are added when the plan is built. */
  files: string[];
  line: number;
}

export interface RawEpic {
  key: string;
  title: string;
  priority: number;
  declaredHours: number | null;
  dependsOn: RawDependency[];
  completionCriteria: string[];
  line: number;
  tasks: RawTask[];
}

export interface RawPlan {
  epics: RawEpic[];
  /** Document-level totals ("Total Remaining Work: ~592 hours", a TOTAL table row). */
  declaredTotals: { hours: number; line: number; where: string }[];
  errors: PlanIssue[];
  warnings: PlanIssue[];
}
