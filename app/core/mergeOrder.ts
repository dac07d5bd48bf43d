/**
 * The merge queue's order, pure: entries in, ordered entries with what each waits for out.
 *
 *  - Eligible ("ready") = approved as the config requires, no reviewer asking for changes, required
 *    checks green (or no checks at all), and every task it depends on done (its PR merged).
 *  - Order: a PR never comes before the PRs of the tasks it depends on (when both are queued);
 *    otherwise the engine's order: critical path hours desc, priority asc (p0 first), age
 *    (older first), then key.
 *
 * Used by the runner (app/github/mergeQueue/runner.ts), which merges the first "ready" entry of
 * each base branch, and by `GET /api/git/merge-queue` (app/progress/mergeQueue.ts), so that the
 * dashboard shows the order the runner merges in.
 */

export type ChecksState = 'success' | 'pending' | 'failure' | 'none';

export interface MergeDependency {
  /** Task key of the prerequisite ("1.2", or "epic E1" for an epic threshold). */
  key: string;
  /** Done (its PR merged) or cancelled: it no longer holds anything back. */
  done: boolean;
  /** The prerequisite's PR, when it has one (for the words only). */
  prNumber?: number | null | undefined;
}

export interface MergeQueueInput {
  /** Task key. */
  key: string;
  prNumber?: number | null | undefined;
  dependsOn: readonly MergeDependency[];
  criticalPathHours: number;
  /** 0 (most urgent) .. 3 */
  priority: number;
  /** When it entered the queue (or review): older first among equals. */
  since: Date | string | number;
  approvals: { approved: number; required: number; changesRequested?: number | undefined };
  checks: ChecksState;
  /** Failing or pending check names, for the words only. */
  checkNames?: readonly string[] | undefined;
}

/** ready: can merge now; waiting: will be once something happens; blocked: needs a person. */
export type MergeEligibility = 'ready' | 'waiting' | 'blocked';

export type OrderedMergeEntry<T extends MergeQueueInput> = T & {
  /** 1-based place in the order. */
  position: number;
  state: MergeEligibility;
  /** Everything the entry waits for, joined with "; " (null when ready). */
  waitingFor: string | null;
  /** The same, one reason per item. */
  waits: string[];
};

const toMillis = (d: Date | string | number): number => {
  const n = d instanceof Date ? d.getTime() : typeof d === 'number' ? d : Date.parse(d);
  return Number.isFinite(n) ? n : Number.MAX_SAFE_INTEGER;
};

/** The engine's order (app/core/queueOrder.ts): critical path desc, priority, age, then key. */
export function engineCompare(a: MergeQueueInput, b: MergeQueueInput): number {
  return (
    b.criticalPathHours - a.criticalPathHours ||
    a.priority - b.priority ||
    toMillis(a.since) - toMillis(b.since) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function dependencyWords(d: MergeDependency): string {
  return d.prNumber ? `waiting for ${d.key}'s PR #${d.prNumber}` : `waiting for ${d.key}'s PR (none yet)`;
}

/** What one entry waits for, and whether a person must act (blocked). */
export function eligibility(e: MergeQueueInput): { state: MergeEligibility; waits: string[] } {
  const waits: string[] = [];
  let blocked = false;
  const names = e.checkNames?.length ? `: ${e.checkNames.slice(0, 5).join(', ')}${e.checkNames.length > 5 ? ', ...' : ''}` : '';
  if (e.approvals.changesRequested && e.approvals.changesRequested > 0) {
    blocked = true;
    waits.push(`changes requested by ${plural(e.approvals.changesRequested, 'reviewer')}`);
  }
  if (e.approvals.approved < e.approvals.required) {
    const missing = e.approvals.required - e.approvals.approved;
    waits.push(`waiting for ${plural(missing, 'more approval')} (${e.approvals.approved} of ${e.approvals.required})`);
  }
  if (e.checks === 'failure') {
    blocked = true;
    waits.push(`checks failed${names}`);
  } else if (e.checks === 'pending') {
    waits.push(`waiting for checks${names}`);
  }
  for (const d of e.dependsOn) if (!d.done) waits.push(dependencyWords(d));
  return { state: blocked ? 'blocked' : waits.length ? 'waiting' : 'ready', waits };
}

/**
 * Orders the queue: dependencies first (Kahn's algorithm, taking the best entry by the engine's
 * order among those whose queued prerequisites are placed), engine order otherwise. Entries in a
 * dependency cycle keep the engine's order among themselves and wait (a person must break it).
 * Entries `atHead` says are already being merged (past 'queued') go first, in that order.
 * Does not modify its input.
 */
export function orderMergeQueue<T extends MergeQueueInput>(entries: readonly T[], atHead?: (e: T) => boolean): OrderedMergeEntry<T>[] {
  const byKey = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!byKey.has(e.key)) byKey.set(e.key, i);
  });
  // Edges only between queued entries whose prerequisite is not done yet.
  const blockers = entries.map(() => 0);
  const dependents = entries.map((): number[] => []);
  entries.forEach((e, i) => {
    const seen = new Set<number>();
    for (const d of e.dependsOn) {
      if (d.done) continue;
      const j = byKey.get(d.key);
      if (j === undefined || j === i || seen.has(j)) continue;
      seen.add(j);
      blockers[i]!++;
      dependents[j]!.push(i);
    }
  });

  const cmp = (i: number, j: number) => engineCompare(entries[i]!, entries[j]!) || i - j;
  const available = entries.map((_, i) => i).filter((i) => blockers[i] === 0);
  const placed: number[] = [];
  const done = new Set<number>();
  while (available.length) {
    available.sort(cmp);
    const i = available.shift()!;
    placed.push(i);
    done.add(i);
    for (const k of dependents[i]!) if (--blockers[k]! === 0) available.push(k);
  }
  const cyclic = entries.map((_, i) => i).filter((i) => !done.has(i)).sort(cmp);
  let order = [...placed, ...cyclic];
  if (atHead) order = [...order.filter((i) => atHead(entries[i]!)), ...order.filter((i) => !atHead(entries[i]!))];

  return order.map((i, n) => {
    const e = entries[i]!;
    const { state, waits } = eligibility(e);
    let st = state;
    if (!done.has(i)) {
      const others = e.dependsOn.filter((d) => !d.done && byKey.has(d.key) && cyclic.includes(byKey.get(d.key)!)).map((d) => d.key);
      waits.push(`dependency cycle with ${others.join(', ') || 'another queued task'}`);
      if (st === 'ready') st = 'waiting';
    }
    return { ...e, position: n + 1, state: st, waitingFor: waits.length ? waits.join('; ') : null, waits };
  });
}
