/** What a task's PR was told, kept for the agent's next round (#14). */
export const FEEDBACK_KINDS = ['checks_failed', 'changes_requested', 'revise_command', 'conflict'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

/** What the next dispatch does with the task's branch: `new` for a first attempt. */
export type RoundMode = 'revise' | 'rebase';
export type DispatchMode = 'new' | RoundMode;

export const PR_STATES = ['open', 'failing', 'conflicting', 'approved', 'merged'] as const;
export type PrState = (typeof PR_STATES)[number];

/** A file the feedback is about: a review comment's place, an annotation's, a conflicting file. */
export interface FeedbackFile {
  path: string;
  line: number | null;
  body: string;
}

export interface FeedbackItem {
  id: number;
  taskId: number;
  kind: FeedbackKind;
  /** The event it came from (`check_run:<id>`, `review:<id>`, `comment:<id>`, `conflict:<base sha>`). */
  source: string;
  author: string | null;
  url: string | null;
  text: string;
  files: FeedbackFile[];
  round: number;
  createdAt: Date;
}

/** A feedback item before it is stored: the store gives it its id, round and time. */
export type NewFeedback = Omit<FeedbackItem, 'id' | 'round' | 'createdAt'>;

/** The feedback columns of a task. */
export interface TaskRound {
  round: number;
  mode: RoundMode | null;
  prState: PrState | null;
  needsHumanAt: Date | null;
}
