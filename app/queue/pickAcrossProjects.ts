import { pickAvoidingConflicts, type BusyTask, type ConflictMode } from '../core/pickAvoidingConflicts.js';

/** A ready task of the window, in queue order. */
export interface WindowCandidate {
  id: number;
  projectId: number;
  footprint: readonly string[];
  pathHours: number;
  hours: number;
}

/** What one project's choice needs: its mode, the work under way and the earliest finish. */
export interface ProjectView {
  mode: ConflictMode;
  busy: readonly BusyTask[];
  horizonHours: number;
}

export type Choice = { id: number } | { id: null; reason: 'none-ready' | 'all-overlap' };

/** Slack on the finish date the choice may spend to keep tasks apart (bench/conflicts.ts, default). */
export const HORIZON_SLACK = 0.03;

/** max(remaining critical path, remaining work / agents) × (1 + slack): the earliest finish, with the slack allowed. */
export function horizonHours(pathHours: number, workHours: number, agents: number): number {
  return Math.max(pathHours, workHours / Math.max(1, agents)) * (1 + HORIZON_SLACK);
}

/**
 * The conflict-aware choice over a window that may span projects (a claim without a project).
 * Footprints of different projects never collide, so each project's tasks are chosen among
 * themselves (app/core/pickAvoidingConflicts.ts, with its own mode, busy set and horizon) and the
 * project choice that comes first in queue order wins: queue order still decides across projects.
 */
export function pickAcrossProjects(window: readonly WindowCandidate[], views: ReadonlyMap<number, ProjectView>): Choice {
  if (!window.length) return { id: null, reason: 'none-ready' };
  const byProject = new Map<number, number[]>();
  window.forEach((c, i) => {
    const list = byProject.get(c.projectId);
    if (list) list.push(i);
    else byProject.set(c.projectId, [i]);
  });
  let best = Infinity;
  for (const [pid, positions] of byProject) {
    const view = views.get(pid) ?? { mode: 'avoid' as const, busy: [], horizonHours: Infinity };
    const pick = pickAvoidingConflicts(positions.map((i) => window[i]!), view.busy, view.mode, view.horizonHours);
    if (pick.index >= 0) best = Math.min(best, positions[pick.index]!);
  }
  return best === Infinity ? { id: null, reason: 'all-overlap' } : { id: window[best]!.id };
}
