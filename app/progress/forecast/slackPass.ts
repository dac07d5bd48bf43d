import { successorLists, type DependencyGraph, type Simulator } from '../../plan/schedule/index.js';

/** Less slack than this (hours, about 4 s) is none: float sums along a chain leave crumbs. */
const CRITICAL_EPS = 1e-3;

/**
 * Each task's slack in one run's schedule: a backward pass in reverse completion order over the
 * disjunctive graph (its dependents, the next task on the same agent, and the gates of its epic
 * that opened after it), from that run's finish. Counting the agent's next task is what makes it
 * slack under contention: with fewer agents than ready work, delaying a task delays the work queued
 * behind it. A gate binds every task of its epic finished before it opened (a safe bound: another
 * task might have tipped the threshold instead).
 */
export class SlackPass {
  private readonly succStart: Int32Array;
  private readonly succ: Int32Array;
  /** Per node: the latest it can start without delaying the run's finish (Infinity: never completed). */
  private readonly latestStart: Float64Array;
  private readonly nextOnAgent: Int32Array;
  private readonly lastOnAgent: Int32Array;
  /** Per epic: the earliest latest-start of its gates opened after the node being visited. */
  private readonly gateLatest: Float64Array;
  private readonly gateEpic: Int32Array;

  constructor(
    private readonly g: DependencyGraph,
    agents: number,
  ) {
    ({ succStart: this.succStart, succ: this.succ } = successorLists(g));
    this.latestStart = new Float64Array(g.nodeCount);
    this.nextOnAgent = new Int32Array(g.n);
    this.lastOnAgent = new Int32Array(Math.min(g.n, agents));
    this.gateLatest = new Float64Array(g.m);
    this.gateEpic = Int32Array.from(g.gates, (x) => x.epic);
  }

  /**
   * Adds each completed task's slack in `sim`'s last run to `slackSum`, and counts the tasks with
   * none in `criticalRuns`; `order` is the completion order (-1 ends it).
   */
  add(sim: Simulator, order: Int32Array, slackSum: Float64Array, criticalRuns: Float64Array): void {
    const { n, m, epicOf } = this.g;
    const { succStart, succ, latestStart, nextOnAgent, lastOnAgent, gateLatest, gateEpic } = this;
    const { start, end, agent } = sim;
    const agents = lastOnAgent.length;
    // An agent runs one task at a time, so its tasks complete in the order it ran them.
    nextOnAgent.fill(-1);
    lastOnAgent.fill(-1);
    let count = 0;
    for (; count < order.length; count++) {
      const v = order[count]!;
      if (v < 0) break;
      if (v >= n) continue;
      const a = agent[v]!;
      if (a < 0 || a >= agents) continue;
      const prev = lastOnAgent[a]!;
      if (prev >= 0) nextOnAgent[prev] = v;
      lastOnAgent[a] = v;
    }
    latestStart.fill(Infinity);
    gateLatest.fill(Infinity);
    const finish = sim.makespan;
    for (let i = count - 1; i >= 0; i--) {
      const v = order[i]!;
      let lf = finish;
      for (let k = succStart[v]!, hi = succStart[v + 1]!; k < hi; k++) {
        const ls = latestStart[succ[k]!]!;
        if (ls < lf) lf = ls;
      }
      if (v < n) {
        const next = nextOnAgent[v]!;
        if (next >= 0 && latestStart[next]! < lf) lf = latestStart[next]!;
        const e = epicOf[v]!;
        if (e >= 0 && gateLatest[e]! < lf) lf = gateLatest[e]!;
        const ev = end[v]!;
        latestStart[v] = lf - (ev - start[v]!);
        if (lf > ev + CRITICAL_EPS) slackSum[v]! += lf - ev;
        else criticalRuns[v]!++;
      } else {
        latestStart[v] = lf;
        if (v >= n + m) {
          const e = gateEpic[v - n - m]!;
          if (lf < gateLatest[e]!) gateLatest[e] = lf;
        }
      }
    }
  }
}
