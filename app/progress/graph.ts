import { Heap } from './heap.js';

/** Graph helpers for the dashboard and the merge queue. Pure. */

export interface WeightedNode {
  id: number;
  /** Hours this node still costs (0 for finished work). */
  hours: number;
}

/** An edge from a prerequisite to what depends on it. */
export type Edge = readonly [from: number, to: number];

/**
 * The longest chain of remaining hours through a dependency DAG (the critical path), first
 * prerequisite first. Nodes on a cycle are left out rather than looping.
 */
export function criticalPath(nodes: readonly WeightedNode[], edges: readonly Edge[]): { path: number[]; hours: number } {
  const hours = new Map(nodes.map((n) => [n.id, Math.max(0, n.hours)]));
  const out = new Map<number, number[]>();
  const indeg = new Map<number, number>();
  for (const n of nodes) indeg.set(n.id, 0);
  for (const [a, b] of edges) {
    if (!hours.has(a) || !hours.has(b) || a === b) continue;
    (out.get(a) ?? out.set(a, []).get(a)!).push(b);
    indeg.set(b, (indeg.get(b) ?? 0) + 1);
  }
  const best = new Map<number, number>();
  const prev = new Map<number, number>();
  const queue: number[] = [];
  for (const [id, d] of indeg) if (d === 0) queue.push(id);
  for (const id of queue) best.set(id, hours.get(id)!);
  for (let i = 0; i < queue.length; i++) {
    const a = queue[i]!;
    for (const b of out.get(a) ?? []) {
      const cand = best.get(a)! + hours.get(b)!;
      if (cand > (best.get(b) ?? -1)) {
        best.set(b, cand);
        prev.set(b, a);
      }
      const d = indeg.get(b)! - 1;
      indeg.set(b, d);
      if (d === 0) queue.push(b);
    }
  }
  let end: number | undefined;
  let top = -1;
  for (const id of queue) {
    const v = best.get(id)!;
    if (v > top || (v === top && end !== undefined && id < end)) {
      top = v;
      end = id;
    }
  }
  if (end === undefined || top <= 0) return { path: [], hours: 0 };
  const path = [end];
  while (prev.has(path[0]!)) path.unshift(prev.get(path[0]!)!);
  return { path, hours: Math.round(top * 100) / 100 };
}

/**
 * Orders entries so that none comes before one it depends on, otherwise by rank (lower first:
 * the engine's order). A cycle, which the plan forbids, is broken by rank instead of hanging.
 */
export function dependencyOrder<T extends { id: number; rank: number }>(entries: readonly T[], edges: readonly Edge[]): T[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const out = new Map<number, number[]>();
  const indeg = new Map<number, number>(entries.map((e) => [e.id, 0]));
  const seen = new Set<string>();
  for (const [a, b] of edges) {
    if (!byId.has(a) || !byId.has(b) || a === b || seen.has(`${a}>${b}`)) continue;
    seen.add(`${a}>${b}`);
    (out.get(a) ?? out.set(a, []).get(a)!).push(b);
    indeg.set(b, indeg.get(b)! + 1);
  }
  const cmp = (a: T, b: T) => (a.rank !== b.rank ? a.rank < b.rank : a.id < b.id);
  const ready = new Heap<T>(cmp);
  for (const e of entries) if (indeg.get(e.id) === 0) ready.push(e);
  const done = new Set<number>();
  const result: T[] = [];
  while (result.length < entries.length) {
    if (!ready.size) {
      // Cycle: release the best-ranked entry left.
      const rest = entries.filter((e) => !done.has(e.id)).sort((a, b) => (cmp(a, b) ? -1 : 1));
      indeg.set(rest[0]!.id, 0);
      ready.push(rest[0]!);
    }
    const e = ready.pop()!;
    if (done.has(e.id)) continue;
    done.add(e.id);
    result.push(e);
    for (const b of out.get(e.id) ?? []) {
      const d = indeg.get(b)! - 1;
      indeg.set(b, d);
      if (d === 0 && !done.has(b)) ready.push(byId.get(b)!);
    }
  }
  return result;
}
