/**
 * The queue's order, in one place: longest remaining critical path first (it shortens the
 * project most), then priority (P0 first), then the longest-waiting, then the lowest id.
 * Postgres sorts on the columns; Redis needs one number, built here so both agree.
 */
export interface Orderable {
  id: number;
  criticalPathHours: number;
  priority: number;
  readySince: Date | null;
}

const CP_MAX_CENTIHOURS = 10_000_000; // 100,000 hours of critical path: far beyond any plan
const AGE_SLOTS = 2 ** 24; // minutes since 2024-01-01, wrapping after ~31 years
const EPOCH_MS = Date.UTC(2024, 0, 1);

/** Lower is better. Stays below 2^53 so a Redis score (a double) holds it exactly. */
export function queueScore(t: Orderable): number {
  const cp = Math.min(CP_MAX_CENTIHOURS, Math.max(0, Math.round(t.criticalPathHours * 100)));
  const prio = Math.min(3, Math.max(0, Math.trunc(t.priority)));
  const minutes = t.readySince ? Math.max(0, Math.floor((t.readySince.getTime() - EPOCH_MS) / 60_000)) % AGE_SLOTS : 0;
  return ((CP_MAX_CENTIHOURS - cp) * 4 + prio) * AGE_SLOTS + minutes;
}

/** Member string whose lexicographic order equals numeric id order, for Redis tie-breaks. */
export function queueMember(id: number): string {
  return String(id).padStart(15, '0');
}

export function compareQueueOrder(a: Orderable, b: Orderable): number {
  return (
    b.criticalPathHours - a.criticalPathHours ||
    a.priority - b.priority ||
    (a.readySince?.getTime() ?? 0) - (b.readySince?.getTime() ?? 0) ||
    a.id - b.id
  );
}

/** Which ready set a task lives in: its required pool, else its capability set, else the shared one. */
export function routeOf(t: { requiredPool: string | null; requiredCapabilities: string[] }): string {
  const parts: string[] = [];
  if (t.requiredPool) parts.push(`pool:${t.requiredPool}`);
  if (t.requiredCapabilities.length) parts.push(`caps:${[...new Set(t.requiredCapabilities)].sort().join(',')}`);
  return parts.length ? parts.join('|') : 'any';
}

/** Whether a claimer with this pool and these capabilities may take tasks from `route`. */
export function routeAllows(route: string, pool: string, capabilities: readonly string[]): boolean {
  if (route === 'any') return true;
  return route.split('|').every((part) => {
    if (part.startsWith('pool:')) return part.slice(5) === pool;
    if (part.startsWith('caps:')) return part.slice(5).split(',').every((c) => capabilities.includes(c));
    return false;
  });
}
