import type { Db } from '../store/db.js';
import type { EngineHooks } from '../github/ports.js';
import type { FeedbackItem, NewFeedback, PrState, RoundMode, TaskRound } from './types.js';
import { insertFeedback } from './sql/insertFeedback.js';
import { selectFeedbackBySource } from './sql/selectFeedbackBySource.js';
import { listFeedback } from './sql/listFeedback.js';
import { selectTaskRound } from './sql/selectTaskRound.js';
import { startRound } from './sql/startRound.js';
import { setPrState } from './sql/setPrState.js';
import { clearRoundMode } from './sql/clearRoundMode.js';
import { markNeedsHuman } from './sql/markNeedsHuman.js';
import { hasOpenPrTasks } from './sql/hasOpenPrTasks.js';

/** Where the feedback loop keeps its items and a task's rounds (Postgres; tests may fake it). */
export interface FeedbackStore {
  /** Stores an item; `fresh` false when its source event was stored before (a replay). */
  add(f: NewFeedback): Promise<{ item: FeedbackItem; fresh: boolean } | null>;
  list(taskId: number, round?: number): Promise<FeedbackItem[]>;
  round(taskId: number): Promise<TaskRound | null>;
  /**
   * Sends a task in review back to the queue for round `from + 1` in `mode`: its status goes to
   * pending through the engine (transition table, readiness, index), then the round is counted.
   * Null when the task is not in review (or pending for this round already) or another delivery
   * started the round; the new round number otherwise.
   */
  beginRound(taskId: number, from: number, mode: RoundMode, reason: string): Promise<number | null>;
  setPrState(taskId: number, state: PrState | null): Promise<void>;
  /** Whether any unfinished task of the project has a pull request. */
  hasOpenPrs(projectId: number): Promise<boolean>;
  /** The PR was closed unmerged: the next dispatch starts afresh. */
  forgetPr(taskId: number): Promise<void>;
  /** Records that the rounds stopped; false when they had stopped already. */
  markNeedsHuman(taskId: number): Promise<boolean>;
}

export function createFeedbackStore(db: Db, engine: Pick<EngineHooks, 'moveTask' | 'reindex'>): FeedbackStore {
  return {
    async add(f) {
      const item = await insertFeedback(db, f);
      if (item) return { item, fresh: true };
      const had = await selectFeedbackBySource(db, f.taskId, f.source);
      return had ? { item: had, fresh: false } : null;
    },
    list: (taskId, round) => listFeedback(db, taskId, round),
    round: (taskId) => selectTaskRound(db, taskId),
    async beginRound(taskId, from, mode, reason) {
      // Already pending (a re-run after a crash between the two steps) is no refusal: the
      // round is then counted by this run.
      const moved = await engine.moveTask(taskId, 'pending', reason.slice(0, 500), { from: ['in_review'], refresh: 'none' });
      if ('refused' in moved) return null;
      const round = await startRound(db, taskId, from, mode);
      await engine.reindex([taskId]);
      return round;
    },
    setPrState: (taskId, state) => setPrState(db, taskId, state),
    hasOpenPrs: (projectId) => hasOpenPrTasks(db, projectId),
    forgetPr: (taskId) => clearRoundMode(db, taskId),
    markNeedsHuman: (taskId) => markNeedsHuman(db, taskId),
  };
}
