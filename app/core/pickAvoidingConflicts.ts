import { footprintsOverlap } from './footprintOverlap.js';

/**
 * `scheduling.conflicts` in .github/fleet.yml:
 *   avoid  - skip a ready task whose footprint overlaps work under way, unless waiting for its files
 *            would delay the project (it is on the critical path); the next task in queue order goes instead;
 *   forbid - never hand out a task that overlaps work under way (the claimer waits);
 *   ignore - queue order only.
 */
export type ConflictMode = 'avoid' | 'forbid' | 'ignore';

export interface ReadyCandidate {
  footprint: readonly string[];
  /** Remaining critical path through the task, its own hours included (tasks.critical_path_hours). */
  pathHours: number;
  /** The task's own estimate. */
  hours: number;
}

export interface BusyTask {
  footprint: readonly string[];
  /** Estimated hours until it stops touching its files (0 when overdue or unknown). */
  hoursLeft: number;
}

export type Pick = { index: number } | { index: -1; reason: 'none-ready' | 'all-overlap' };

/**
 * The conflict-aware choice among ready tasks. `candidates` come in queue order (critical path
 * first), so among tasks that do not collide the queue's order still decides. `busy` holds the
 * tasks assigned, in progress, or in review with an open PR. `horizonHours` is when the project can
 * finish at the earliest: the longest remaining path (running tasks counting what they have left),
 * or the work not yet started spread over the agents, whichever is longer.
 *
 * Why waiting is allowed under `avoid`: skipping a colliding task only helps if it is not simply
 * run later alongside the same files; handing it out when nothing else is free just bunches the
 * colliding tasks together. A task with slack can wait for the files to come free at no cost to
 * the finish date; a task on the critical path cannot, so it goes even though it collides.
 */
export function pickAvoidingConflicts(
  candidates: readonly ReadyCandidate[],
  busy: readonly BusyTask[],
  mode: ConflictMode,
  horizonHours = Infinity,
): Pick {
  if (candidates.length === 0) return { index: -1, reason: 'none-ready' };
  if (mode === 'ignore' || busy.length === 0) return { index: 0 };
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const { lanes, held } = underWay(c.footprint, busy);
    if (lanes === 0) return { index: i };
    if (mode === 'forbid') continue;
    // Once the files are free, the colliding candidates ahead of this one in the queue take them
    // first: this one waits for the work under way and for them. If that pushes its path past the
    // finish, it must go now, ahead of free tasks that can wait (the files are a bottleneck no
    // waiting clears, and skipping it would move the finish date).
    let queued = 0;
    for (let j = 0; j < i; j++) if (footprintsOverlap(c.footprint, candidates[j]!.footprint)) queued += candidates[j]!.hours;
    // That work drains through every lane already open on the files, not through one: with two
    // tasks on a hot file, the queue ahead clears twice as fast. Counting it as one lane made each
    // claim after the first co-scheduling see the same overdue queue and open yet another lane,
    // bunching the file's tasks at the end (bench:conflicts, 2,000 tasks / 64 agents). One lane
    // is the plain "wait for it, then for the queue" (held + queued).
    if (c.pathHours + (held + queued) / lanes <= horizonHours + 1e-9) continue;
    // Its own path cannot wait even for the work under way alone: it goes itself.
    if (c.pathHours + held / lanes > horizonHours + 1e-9) return { index: i };
    // It is the queue on its files that cannot wait: the files need one more lane now.
    return { index: laneOpener(candidates, busy, i) };
  }
  return { index: -1, reason: 'all-overlap' };
}

/** How many tasks under way hold a file of the footprint (lanes), their hours left in all, and the longest. */
function underWay(footprint: readonly string[], busy: readonly BusyTask[]): { lanes: number; held: number; longest: number } {
  let lanes = 0;
  let held = 0;
  let longest = 0;
  for (const b of busy) {
    if (!footprintsOverlap(footprint, b.footprint)) continue;
    lanes++;
    held += b.hoursLeft;
    longest = Math.max(longest, b.hoursLeft);
  }
  return { lanes, held, longest };
}

/**
 * Which candidate on the files of candidates[i] opens the lane the queue there needs. Any of them
 * drains that queue as well, but not with as many overlapping pairs: a task that starts beside
 * one other and ends before it overlaps that one alone for its whole run, the most shared hours
 * for one pair; a task outlasting it meets every task started after it on the file. So: the
 * longest such task, else the longest on the files (the most hours per pair), else candidates[i].
 */
function laneOpener(candidates: readonly ReadyCandidate[], busy: readonly BusyTask[], i: number): number {
  const files = candidates[i]!.footprint;
  let inside = -1;
  let longest = i;
  for (let j = 0; j < candidates.length; j++) {
    const d = candidates[j]!;
    if (!footprintsOverlap(d.footprint, files)) continue;
    if (d.hours > candidates[longest]!.hours) longest = j;
    const u = underWay(d.footprint, busy);
    if (u.lanes === 1 && d.hours <= u.longest + 1e-9 && (inside < 0 || d.hours > candidates[inside]!.hours)) inside = j;
  }
  return inside >= 0 ? inside : longest;
}
