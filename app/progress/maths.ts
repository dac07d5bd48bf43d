/**
 * The arithmetic of progress, kept pure (no database, no clock) so each rule is pinned by tests:
 * percent weighted by estimated hours, velocity from snapshots over a window, ETA two ways,
 * utilisation against an agent's own capacity, heartbeat health.
 */

import { TASK_STATUSES, type TaskStatus } from '../core/taskStatus.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export const round2 = (n: number): number => Math.round((n + Number.EPSILON) * 100) / 100;

export type StatusCounts = Record<TaskStatus, number>;

export function emptyCounts(): StatusCounts {
  return Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as StatusCounts;
}

/** Tasks and estimated hours of one group (an epic, a project, everything) by status. */
export interface Tally {
  tasks: StatusCounts;
  hours: StatusCounts;
}

export function emptyTally(): Tally {
  return { tasks: emptyCounts(), hours: emptyCounts() };
}

export function addToTally(t: Tally, status: string, tasks: number, hours: number): void {
  if (!(status in t.tasks)) return;
  const s = status as TaskStatus;
  t.tasks[s] += tasks;
  t.hours[s] = round2(t.hours[s] + hours);
}

export function mergeTally(into: Tally, from: Tally): void {
  for (const s of TASK_STATUSES) addToTally(into, s, from.tasks[s], from.hours[s]);
}

/** Cancelled work leaves the denominator: it will never be done. */
export function totals(t: Tally): { tasksTotal: number; tasksDone: number; hoursTotal: number; hoursDone: number } {
  let tasksTotal = 0;
  let hoursTotal = 0;
  for (const s of TASK_STATUSES) {
    if (s === 'cancelled') continue;
    tasksTotal += t.tasks[s];
    hoursTotal += t.hours[s];
  }
  return { tasksTotal, tasksDone: t.tasks.done, hoursTotal: round2(hoursTotal), hoursDone: round2(t.hours.done) };
}

/**
 * Percent done weighted by estimated hours (8 of 564 hours is 1.42). With no hours estimated it
 * falls back to the share of tasks done; with no (uncancelled) task at all, the group is complete.
 * Same rule as the epic_progress view, which readiness uses.
 */
export function percentDone(p: { hoursDone: number; hoursTotal: number; tasksDone: number; tasksTotal: number }): number {
  if (p.hoursTotal > 0) return round2((100 * p.hoursDone) / p.hoursTotal);
  if (p.tasksTotal === 0) return 100;
  return round2((100 * p.tasksDone) / p.tasksTotal);
}

export interface HistoryPoint {
  at: Date;
  hoursDone: number;
}

export interface VelocityOptions {
  /** Width of the window, in days (default 7). */
  windowDays?: number;
  /** Less history than this (hours) gives no velocity yet (default 1 hour). */
  minSpanHours?: number;
}

/**
 * Estimated hours completed per day over the window ending at `now`: the change in hours done
 * between the start of the window (interpolated between the snapshots either side of it, or the
 * first snapshot inside it when history is younger than the window) and the latest point.
 * Only completed estimates count; estimates of unfinished work never inflate it. Null when the
 * history is too short to say. Negative when completed work was reopened.
 */
export function velocityPerDay(points: readonly HistoryPoint[], now: Date, opts: VelocityOptions = {}): number | null {
  const windowMs = (opts.windowDays ?? 7) * DAY_MS;
  const minSpanMs = (opts.minSpanHours ?? 1) * HOUR_MS;
  const pts = points.filter((p) => p.at.getTime() <= now.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
  const last = pts[pts.length - 1];
  if (!last) return null;
  const start = now.getTime() - windowMs;
  let baseAt: number;
  let baseDone: number;
  const before = [...pts].reverse().find((p) => p.at.getTime() <= start);
  const inside = pts.find((p) => p.at.getTime() > start);
  if (before && inside) {
    // Linear interpolation at the window's start.
    const t0 = before.at.getTime();
    const t1 = inside.at.getTime();
    baseAt = start;
    baseDone = before.hoursDone + ((inside.hoursDone - before.hoursDone) * (start - t0)) / (t1 - t0);
  } else if (before) {
    baseAt = start;
    baseDone = before.hoursDone;
  } else {
    baseAt = inside!.at.getTime();
    baseDone = inside!.hoursDone;
  }
  const span = last.at.getTime() - baseAt;
  if (span < minSpanMs) return null;
  return round2(((last.hoursDone - baseDone) * DAY_MS) / span);
}

export interface Eta {
  /** Remaining estimated hours (by velocity) or the simulated makespan in estimate-hours. */
  hours: number;
  /** Calendar days from now. */
  days: number;
  /** ISO date-time of the forecast completion. */
  date: string;
}

/** Remaining hours / velocity. Null without a positive velocity (no history yet, or work reopened). */
export function etaByVelocity(remainingHours: number, velocity: number | null, now: Date): Eta | null {
  if (remainingHours <= 0) return { hours: 0, days: 0, date: now.toISOString() };
  if (velocity === null || !(velocity > 0)) return null;
  const days = remainingHours / velocity;
  return { hours: round2(remainingHours), days: round2(days), date: new Date(now.getTime() + days * DAY_MS).toISOString() };
}

/**
 * Turns a simulated makespan (estimate-hours with N workers in parallel) into a date. With a
 * measured velocity each worker is taken to complete velocity/N estimate-hours a day (the rate
 * the fleet actually shows); without one, each works round the clock at the estimates' pace.
 */
export function etaFromMakespan(
  makespanHours: number,
  workers: number,
  velocity: number | null,
  now: Date,
): (Eta & { basis: 'observed_rate' | 'estimate_pace' }) | null {
  if (makespanHours <= 0) return { hours: 0, days: 0, date: now.toISOString(), basis: velocity !== null && velocity > 0 ? 'observed_rate' : 'estimate_pace' };
  if (workers < 1) return null;
  const observed = velocity !== null && velocity > 0;
  const perWorkerPerDay = observed ? velocity / workers : 24;
  const days = makespanHours / perWorkerPerDay;
  return {
    hours: round2(makespanHours),
    days: round2(days),
    date: new Date(now.getTime() + days * DAY_MS).toISOString(),
    basis: observed ? 'observed_rate' : 'estimate_pace',
  };
}

/** Busy time of an agent over a window as a percent of what its capacity allows (0..100). */
export function utilisationPercent(busySeconds: number, capacity: number, windowSeconds: number): number {
  if (windowSeconds <= 0 || capacity < 1) return 0;
  return round2(Math.min(100, Math.max(0, (100 * busySeconds) / (capacity * windowSeconds))));
}

/** Seconds of [start, end) covered by the intervals (an open interval runs to `end`). */
export function busySeconds(intervals: readonly { from: Date; to: Date | null }[], start: Date, end: Date): number {
  let ms = 0;
  for (const i of intervals) {
    const a = Math.max(i.from.getTime(), start.getTime());
    const b = Math.min((i.to ?? end).getTime(), end.getTime());
    if (b > a) ms += b - a;
  }
  return ms / 1000;
}

export type HeartbeatHealth = 'healthy' | 'late' | 'dead' | 'never' | 'inactive';

/**
 * Healthy while the last heartbeat is within half a lease, late up to a whole lease (its tasks
 * are about to be handed back), dead beyond.
 */
export function heartbeatHealth(ageSeconds: number | null, leaseTtlSeconds: number, active: boolean): HeartbeatHealth {
  if (!active) return 'inactive';
  if (ageSeconds === null) return 'never';
  if (ageSeconds <= leaseTtlSeconds / 2) return 'healthy';
  if (ageSeconds <= leaseTtlSeconds) return 'late';
  return 'dead';
}
