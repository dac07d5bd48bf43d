import type { DependencyGraph } from '../../app/plan/schedule/dependencyGraph.js';
import type { SimulateOptions, Simulation } from '../../app/plan/schedule/simulate.js';

/**
 * The scheduler as it was before app/plan/schedule/simulate.ts became a typed-array kernel:
 * straightforward heaps of closures, fresh arrays each call. Kept only as the test oracle the
 * kernel must match exactly (test/plan/scheduleKernel.test.ts).
 */
class MinHeap {
  private readonly items: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let s = i;
        if (l < a.length && this.less(a[l]!, a[s]!)) s = l;
        if (r < a.length && this.less(a[r]!, a[s]!)) s = r;
        if (s === i) break;
        [a[i], a[s]] = [a[s]!, a[i]!];
        i = s;
      }
    }
    return top;
  }
}

const EPS = 1e-9;

/**
 * Event-driven list scheduling: whenever agents are idle, the best ready tasks start on the
 * lowest-numbered idle agents. Epic gates open the moment a finishing task brings its epic's
 * done hours to the threshold, which is exactly how the task_readiness view judges them.
 * `opts.from` starts it part way through a project: work done, work under way, epic progress.
 */
export function referenceSimulate(g: DependencyGraph, opts: SimulateOptions): Simulation {
  const { n, m, nodeCount } = g;
  const start = new Float64Array(n).fill(-1);
  const end = new Float64Array(n).fill(-1);
  const agent = new Int32Array(n).fill(-1);
  const cause = new Int32Array(nodeCount).fill(-1);
  const seq = new Int32Array(nodeCount).fill(-1);
  const readyAt = new Float64Array(n);
  const readyOrder = new Int32Array(n);
  const remaining = Int32Array.from(g.predCount);
  const doneHours = new Float64Array(m);
  const doneCount = new Int32Array(m);
  const gatePtr = new Int32Array(m);
  let seqCounter = 0;
  let readyCounter = 0;
  let now = 0;

  const prio = opts.priority;
  const durations = opts.durations;
  const ready = new MinHeap(
    opts.order === 'priority' && prio
      ? (a, b) => prio[a]! > prio[b]! || (prio[a] === prio[b] && a < b)
      : (a, b) => readyAt[a]! < readyAt[b]! || (readyAt[a] === readyAt[b] && readyOrder[a]! < readyOrder[b]!),
  );
  const running = new MinHeap((a, b) => end[a]! < end[b]! || (end[a] === end[b] && a < b));
  const unlimited = !Number.isFinite(opts.agents);
  const agentCount = unlimited ? 0 : Math.max(0, Math.floor(opts.agents));
  const idle = new MinHeap((a, b) => a < b);
  for (let a = 0; a < agentCount; a++) idle.push(a);
  // Done or under way at time 0: never handed out, whatever their prerequisites do.
  const fixed = new Uint8Array(n);
  // Work under way beyond the agents: each waits for an agent to be handed over when one ends.
  const unassigned: number[] = [];
  const needsAgent = new Uint8Array(n).fill(1);
  const freeAgentOf = (t: number): void => {
    if (unlimited || !needsAgent[t]) return;
    const a = agent[t]!;
    if (a < 0) return; // it never held one of ours
    while (unassigned.length > 0) {
      const u = unassigned.pop()!;
      if (seq[u]! >= 0) continue; // ended already
      agent[u] = a;
      return;
    }
    idle.push(a);
  };

  // Completing a node can complete entries and gates in turn; an explicit stack keeps deep
  // chains of them from overflowing the call stack.
  const stack: number[] = [];
  const complete = (first?: number): void => {
    if (first !== undefined) stack.push(first);
    while (stack.length > 0) {
      const node = stack.pop()!;
      seq[node] = seqCounter++;
      for (const s of g.succ[node]!) {
        if (--remaining[s]! !== 0 || (s < n && fixed[s])) continue;
        cause[s] = node;
        if (s < n) {
          readyAt[s] = now;
          readyOrder[s] = readyCounter++;
          ready.push(s);
        } else stack.push(s);
      }
      if (node < n) {
        const e = g.epicOf[node]!;
        if (e < 0) continue;
        doneHours[e]! += g.hours[node]!;
        doneCount[e]!++;
        openGates(e, node);
      }
    }
  };
  const openGates = (e: number, by: number): void => {
    const list = g.gatesByEpic[e]!;
    while (gatePtr[e]! < list.length) {
      const node = list[gatePtr[e]!]!;
      const gate = g.gates[node - n - m]!;
      const met = g.epicHours[e]! > 0 ? doneHours[e]! >= gate.requiredHours - EPS : doneCount[e]! >= gate.requiredCount;
      if (!met) break;
      gatePtr[e]!++;
      cause[node] = by;
      stack.push(node);
    }
  };

  const from = opts.from;
  if (from) {
    for (const d of from.epicDone ?? []) {
      if (!(d.epic >= 0 && d.epic < m)) continue;
      doneHours[d.epic]! += Math.max(0, d.hours);
      doneCount[d.epic]! += Math.max(0, d.tasks);
    }
    for (const r of from.running ?? []) {
      const t = r.task;
      if (!(t >= 0 && t < n) || fixed[t]) continue;
      fixed[t] = 1;
      start[t] = 0;
      end[t] = Math.max(0, r.hoursLeft);
      if (r.needsAgent === false) needsAgent[t] = 0;
      else if (!unlimited) {
        if (idle.size > 0) agent[t] = idle.pop()!;
        else unassigned.push(t);
      }
      running.push(t);
    }
    const done: number[] = [];
    for (const t of from.done ?? []) {
      if (!(t >= 0 && t < n) || fixed[t]) continue;
      fixed[t] = 1;
      start[t] = 0;
      end[t] = 0;
      done.push(t);
    }
    // Done work counts before anything is handed out; gates it opens open at time 0.
    for (const t of done.reverse()) stack.push(t);
  }

  // Sources: tasks and entries with no prerequisites, gates already met (empty epics, 0%).
  for (let e = 0; e < m; e++) openGates(e, -1);
  for (let v = 0; v < n + m; v++) {
    if (remaining[v] !== 0 || (v < n && fixed[v])) continue;
    if (v < n) {
      readyOrder[v] = readyCounter++;
      ready.push(v);
    } else stack.push(v);
  }
  complete();

  let makespan = 0;
  for (;;) {
    while (ready.size > 0 && (unlimited || idle.size > 0)) {
      const t = ready.pop()!;
      start[t] = now;
      end[t] = now + (durations ? durations[t]! : g.hours[t]!);
      if (!unlimited) agent[t] = idle.pop()!;
      running.push(t);
    }
    const next = running.pop();
    if (next === undefined) break;
    now = end[next]!;
    makespan = Math.max(makespan, now);
    complete(next);
    freeAgentOf(next);
    // Everything finishing at the same moment frees its agent before anyone is dispatched.
    while (running.size > 0 && end[running.peek()!]! <= now + EPS) {
      const t = running.pop()!;
      complete(t);
      freeAgentOf(t);
    }
  }

  const stuck: number[] = [];
  for (let t = 0; t < n; t++) if (seq[t] === -1) stuck.push(t);
  return { start, end, agent, cause, seq, makespan, stuck };
}
