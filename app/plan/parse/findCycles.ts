import { buildDependencyGraph, nodeLabel, type SchedulablePlan } from '../schedule/dependencyGraph.js';
import { simulate } from '../schedule/simulate.js';

export interface Cycle {
  /** Task index (file order) the cycle is reported at. */
  task: number;
  /** "2.1 → epic:1@50 → 1.1 → 2.1": each item waits for the next. */
  path: string;
}

/**
 * Finds dependencies that can never be met. With epic thresholds a loop through an epic is
 * not always fatal (epic 2 may wait for half of epic 1 while 1.7 waits for epic 2), so the
 * test is behavioural: run the plan with unlimited agents and look at what never starts.
 * From each stuck task, following one unmet prerequisite at a time must revisit a node;
 * that loop is the cycle named in the error.
 */
export function findCycles(plan: SchedulablePlan): Cycle[] {
  const g = buildDependencyGraph(plan);
  const sim = simulate(g, { agents: Infinity, order: 'fifo' });
  if (sim.stuck.length === 0) return [];
  const { n, m } = g;
  const blocker = (v: number): number => {
    if (v >= n + m) {
      const gate = g.gates[v - n - m]!;
      return g.epicTasks[gate.epic]!.find((t) => sim.seq[t] === -1) ?? -1;
    }
    return g.preds[v]!.find((p) => sim.seq[p] === -1) ?? -1;
  };
  const visited = new Uint8Array(g.nodeCount);
  const cycles: Cycle[] = [];
  for (const startTask of sim.stuck) {
    if (visited[startTask]) continue;
    const path: number[] = [];
    const onPath = new Map<number, number>();
    for (let v = startTask; v >= 0 && !visited[v]; v = blocker(v)) {
      visited[v] = 1;
      onPath.set(v, path.length);
      path.push(v);
      const next = blocker(v);
      const at = next >= 0 ? onPath.get(next) : undefined;
      if (at === undefined) continue;
      const loop = path.slice(at);
      // Report at the earliest task in the file, and read the loop from there.
      let first = 0;
      loop.forEach((x, i) => {
        if (x < n && (loop[first]! >= n || x < loop[first]!)) first = i;
      });
      const rotated = [...loop.slice(first), ...loop.slice(0, first)];
      const shown = rotated.filter((x) => x < n || x >= n + m);
      cycles.push({ task: rotated[0]!, path: [...shown, shown[0]!].map((x) => nodeLabel(g, x)).join(' → ') });
      break;
    }
  }
  return cycles;
}
