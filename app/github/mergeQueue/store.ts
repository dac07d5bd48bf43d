import type { Db } from '../../store/db.js';
import type { EntryState, MergeQueueEntry, QueueMode, Snapshot } from '../sql/mergeQueueRow.js';
import { selectLiveQueueEntry } from '../sql/selectLiveQueueEntry.js';
import { selectLatestQueueEntry } from '../sql/selectLatestQueueEntry.js';
import { selectQueueEntryById } from '../sql/selectQueueEntryById.js';
import { selectLiveQueueEntriesFor } from '../sql/selectLiveQueueEntriesFor.js';
import { selectLiveQueueEntriesOnBase } from '../sql/selectLiveQueueEntriesOnBase.js';
import { insertQueueEntry } from '../sql/insertQueueEntry.js';
import { updateQueueSnapshot } from '../sql/updateQueueSnapshot.js';
import { moveQueueEntry } from '../sql/moveQueueEntry.js';
import { setQueueWaiting } from '../sql/setQueueWaiting.js';
import { setQueuePositions } from '../sql/setQueuePositions.js';
import { selectTaskFootprints } from '../sql/selectTaskFootprints.js';

/** The merge queue's rows (`merge_queue`), through the statements in app/github/sql/. */

export { LIVE_STATES } from '../sql/mergeQueueRow.js';
export type { EntryState, MergeQueueEntry, QueueMode, Snapshot } from '../sql/mergeQueueRow.js';

const isUniqueViolation = (err: unknown) => (err as { code?: unknown } | null)?.code === '23505';

export class MergeQueueStore {
  constructor(readonly db: Db) {}

  live(projectId: number, prNumber: number): Promise<MergeQueueEntry | null> {
    return selectLiveQueueEntry(this.db, projectId, prNumber);
  }

  latest(projectId: number, prNumber: number): Promise<MergeQueueEntry | null> {
    return selectLatestQueueEntry(this.db, projectId, prNumber);
  }

  byId(id: number): Promise<MergeQueueEntry | null> {
    return selectQueueEntryById(this.db, id);
  }

  /** Live entries whose head is this commit or whose PR is one of these. */
  liveFor(projectId: number, headSha: string | null, prNumbers: readonly number[]): Promise<MergeQueueEntry[]> {
    return selectLiveQueueEntriesFor(this.db, projectId, headSha, prNumbers);
  }

  /** The tasks' footprints (plan globs and PR files), to keep overlapping PRs one at a time. */
  footprints(taskIds: readonly number[]): Promise<Map<number, string[]>> {
    return selectTaskFootprints(this.db, taskIds);
  }

  liveOnBase(projectId: number, base: string): Promise<MergeQueueEntry[]> {
    return selectLiveQueueEntriesOnBase(this.db, projectId, base);
  }

  /** Inserts a live entry; null when the PR already has one (a concurrent enqueue won). */
  async insert(e: { projectId: number; baseBranch: string; taskId: number; prNumber: number; mode: QueueMode; enqueuedBy: string; snapshot: Snapshot }): Promise<MergeQueueEntry | null> {
    try {
      return await insertQueueEntry(this.db, e);
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  snapshot(id: number, s: Snapshot): Promise<void> {
    return updateQueueSnapshot(this.db, id, s);
  }

  /**
   * Moves a live entry from one of `from` to `to` (with optional column changes); false when
   * another process moved it first, or when `to` would make a second head on the base branch.
   */
  async move(
    id: number,
    from: readonly EntryState[],
    to: EntryState,
    set: { waitingFor?: string | null; headSha?: string; reason?: string; mergeSha?: string | null; branchUpdated?: boolean | null } = {},
  ): Promise<boolean> {
    try {
      return await moveQueueEntry(this.db, id, from, to, set);
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  setWaiting(id: number, waitingFor: string | null): Promise<void> {
    return setQueueWaiting(this.db, id, waitingFor);
  }

  async setPositions(items: { id: number; position: number; waitingFor: string | null }[]): Promise<void> {
    if (items.length) await setQueuePositions(this.db, items);
  }
}
