/**
 * The settings the forecast takes from a project's `.github/fleet.yml`, read defensively: the
 * schema (schema/fleetConfig.ts) owns validation, this only takes what is there and sane.
 *   pools[].capacity          summed: the fleet's capacity
 *   calendar.hoursPerDay      agent working hours per calendar day (default 24)
 *   forecast.reviewPriorHours median review-to-merge hours before there is history (default 0)
 */

/** Agents assumed for a local project (no GitHub App installation) with no one at work. */
export const LOCAL_FLEET_CAPACITY = 16;
export const DEFAULT_HOURS_PER_DAY = 24;

const rec = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export function fleetCapacityOf(config: unknown): number | null {
  const pools = rec(config)?.pools;
  if (!Array.isArray(pools)) return null;
  let sum = 0;
  for (const p of pools) {
    const c = rec(p)?.capacity;
    if (typeof c === 'number' && Number.isFinite(c) && c > 0) sum += Math.floor(c);
  }
  return sum > 0 ? sum : null;
}

export function hoursPerDayOf(config: unknown): number {
  const h = rec(rec(config)?.calendar)?.hoursPerDay;
  return typeof h === 'number' && Number.isFinite(h) && h > 0 && h <= 24 ? h : DEFAULT_HOURS_PER_DAY;
}

export function reviewPriorHoursOf(config: unknown): number {
  const h = rec(rec(config)?.forecast)?.reviewPriorHours;
  return typeof h === 'number' && Number.isFinite(h) && h >= 0 && h <= 24 * 60 ? h : 0;
}

/** Hours of agent work from `from` turned into a calendar date at `hoursPerDay`. */
export function dateAfter(from: Date, hours: number, hoursPerDay: number): Date {
  return new Date(from.getTime() + (hours / hoursPerDay) * 86_400_000);
}
