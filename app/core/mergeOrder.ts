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

/**
 * The one check-conclusion table: a finished check is green when it succeeded, was neutral or
 * skipped; any other conclusion (failure, cancelled, timed_out, action_required, stale,
 * startup_failure) fails it; no conclusion yet means it is still running. Case-insensitive, for
 * REST/webhook (lowercase) and GraphQL (uppercase) spellings alike.
 */
const GREEN_CONCLUSIONS = new Set(['success', 'neutral', 'skipped']);
export function checkConclusion(conclusion: string | null | undefined): 'success' | 'failure' | 'pending' {
  if (conclusion === null || conclusion === undefined || conclusion === '') return 'pending';
  return GREEN_CONCLUSIONS.has(conclusion.toLowerCase()) ? 'success' : 'failure';
}

/** Why an entry waits, as a code the dashboard groups by, and in the words the runner records. */
export type MergeWaitReason = 'pull_request' | 'dependency' | 'epic' | 'approvals' | 'changes_requested' | 'checks' | 'checks_failed' | 'overlap';
export interface MergeWait {
  reason: MergeWaitReason;
  detail: string;
}

export interface MergeDependency {
  /** Task key of the prerequisite ("1.2", or "epic E1" for an epic threshold). */
  key: string;
  /** Done (its PR merged) or cancelled: it no longer holds anything back. */
  done: boolean;
  /** The prerequisite's PR, when it has one (for the words only). */
  prNumber?: number | null | undefined;
  /** The name in words when `key` is made unique over projects ("1.2" for "7/1.2"). */
  label?: string | undefined;
  /** An epic threshold rather than a task: how far the epic is and how far it must be (words only). */
  epic?: { percent: number; threshold: number } | undefined;
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
  /** The same again, each with its reason code. */
  why: MergeWait[];
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

function dependencyWait(d: MergeDependency): MergeWait {
  const name = d.label ?? d.key;
  if (d.epic) return { reason: 'epic', detail: `waiting for ${name} to reach ${d.epic.threshold}% (now ${d.epic.percent}%)` };
  return { reason: 'dependency', detail: d.prNumber ? `waiting for ${name}'s PR #${d.prNumber}` : `waiting for ${name}'s PR (none yet)` };
}

/** What one entry waits for, and whether a person must act (blocked): the one eligibility rule for merging. */
export function eligibility(e: MergeQueueInput): { state: MergeEligibility; waits: string[]; why: MergeWait[] } {
  const why: MergeWait[] = [];
  let blocked = false;
  const names = e.checkNames?.length ? `: ${e.checkNames.slice(0, 5).join(', ')}${e.checkNames.length > 5 ? ', ...' : ''}` : '';
  const changes = e.approvals.changesRequested ?? 0;
  if (changes > 0) {
    blocked = true;
    why.push({ reason: 'changes_requested', detail: `changes requested by ${plural(changes, 'reviewer')}` });
  }
  if (e.approvals.approved < e.approvals.required) {
    const missing = e.approvals.required - e.approvals.approved;
    why.push({ reason: 'approvals', detail: `waiting for ${plural(missing, 'more approval')} (${e.approvals.approved} of ${e.approvals.required})` });
  }
  if (e.checks === 'failure') {
    blocked = true;
    why.push({ reason: 'checks_failed', detail: `checks failed${names}` });
  } else if (e.checks === 'pending') {
    why.push({ reason: 'checks', detail: `waiting for checks${names}` });
  }
  for (const d of e.dependsOn) if (!d.done) why.push(dependencyWait(d));
  return { state: blocked ? 'blocked' : why.length ? 'waiting' : 'ready', waits: why.map((w) => w.detail), why };
}

/** Whether a PR's reviews and checks let it merge (its dependencies aside): the auto-enqueue test. */
export function reviewsAllowMerge(p: { approved: number; required: number; changesRequested: number; checks: ChecksState }): boolean {
  return eligibility({ key: '', dependsOn: [], criticalPathHours: 0, priority: 0, since: 0, approvals: p, checks: p.checks }).state === 'ready';
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
    const { state, waits, why } = eligibility(e);
    // An entry left in a cycle is never 'ready' here: eligibility already counts the unfinished
    // prerequisite that holds it, and that prerequisite is itself in the cycle (had every queued
    // prerequisite been placed, so would this entry), so the list of others is never empty.
    if (!done.has(i)) {
      const others = e.dependsOn.filter((d) => !d.done && byKey.has(d.key) && cyclic.includes(byKey.get(d.key)!)).map((d) => d.label ?? d.key);
      const detail = `dependency cycle with ${others.join(', ')}`;
      waits.push(detail);
      why.push({ reason: 'dependency', detail });
    }
    return { ...e, position: n + 1, state, waitingFor: waits.length ? waits.join('; ') : null, waits, why };
  });
}
