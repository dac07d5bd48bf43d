import type { Queryable } from '../store/db.js';
import type { BusyTask } from '../core/pickAvoidingConflicts.js';
import { pickAcrossProjects, horizonHours, type Choice, type ProjectView, type WindowCandidate } from './pickAcrossProjects.js';
import { activeAgents, busyTasks, projectOutlooks } from './sql/conflictViews.js';
import { footprintsOverlap } from '../core/footprintOverlap.js';
import { reportAllOverlapClaim, type AllOverlapClaim } from '../metrics/conflictMetrics.js';

/** How many ready tasks, from the top of the queue, the conflict-aware choice looks at. */
export const CONFLICT_WINDOW = 50;

/**
 * Reads what the choice needs for the window's projects (work under way with its footprint, each
 * project's `scheduling.conflicts` and horizon) and chooses. Both backends call it with their own
 * window: Postgres reads it from tasks, Redis proposes it from its sorted sets.
 */
export async function chooseAvoidingConflicts(db: Queryable, window: readonly WindowCandidate[]): Promise<Choice> {
  if (!window.length) return { id: null, reason: 'none-ready' };
  const pids = [...new Set(window.map((c) => c.projectId))];
  const busy = await busyTasks(db, pids);
  if (!busy.length) return { id: window[0]!.id };
  // One after the other: inside a claim transaction they share one connection.
  const outlooks = await projectOutlooks(db, pids);
  const agents = await activeAgents(db);
  const busyOf = new Map<number, BusyTask[]>();
  for (const b of busy) busyOf.set(b.projectId, [...(busyOf.get(b.projectId) ?? []), { footprint: b.footprint, hoursLeft: b.hoursLeft }]);
  const views = new Map<number, ProjectView>(
    outlooks.map((o) => [o.projectId, { mode: o.mode, busy: busyOf.get(o.projectId) ?? [], horizonHours: horizonHours(o.pathHours, o.workHours, agents) }]),
  );
  const choice = pickAcrossProjects(window, views);
  const all = allOverlap(window, views, choice);
  if (all) reportAllOverlapClaim(all);
  return choice;
}

/**
 * Whether every task of the window overlapped work under way in its project (none of them in a
 * project that ignores conflicts), and then what the choice did about it: co-scheduled one
 * (avoid, a task that could not wait) or held the claimer back. Null when some task was free.
 */
export function allOverlap(window: readonly WindowCandidate[], views: ReadonlyMap<number, ProjectView>, choice: Choice): AllOverlapClaim | null {
  if (!window.length) return null;
  for (const c of window) {
    const view = views.get(c.projectId);
    if (!view || view.mode === 'ignore') return null;
    if (!view.busy.some((b) => footprintsOverlap(c.footprint, b.footprint))) return null;
  }
  const chosen = choice.id === null ? window[0]! : window.find((c) => c.id === choice.id)!;
  const mode = views.get(chosen.projectId)!.mode as AllOverlapClaim['mode'];
  return { mode, outcome: choice.id === null ? 'held' : 'co_scheduled' };
}
