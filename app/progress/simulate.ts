import { Heap } from './heap.js';

/**
 * Dependency-aware forecast: HLFET list scheduling of the remaining work over N parallel workers
 * (the plan scheduler's rule: whenever a worker is free it takes the ready task with the highest
 * static level, i.e. the longest remaining chain of hours it starts, then priority, then id: the
 * engine's own hand-out order). Pure; no clock, no database.
 *
 * TODO(plan scheduler): seed/schedule/ (being written) will export the same HLFET over a Plan;
 * once it lands with a scheduler over generic tasks, `simulateRemaining` can delegate to it. This
 * version also handles what only a live project has: work already running, partly done, in review.
 */

export type SimStatus = 'pending' | 'assigned' | 'in_progress' | 'in_review' | 'failed' | 'held';

export interface SimTask {
  id: number;
  /** 0 when the task has no epic. */
  epicId: number;
  /** Estimated hours of the whole task. */
  hours: number;
  status: SimStatus;
  /** Reported by the agent holding it (running tasks only). */
  percentComplete?: number;
  /** Static level: hours on the longest chain this task starts (tasks.critical_path_hours). */
  level: number;
  priority: number;
}

/** One dependency row: a task or a whole epic depends on a task, or on an epic at a threshold percent. */
export interface SimEdge {
  taskId: number | null;
  epicId: number | null;
  dependsOnTaskId: number | null;
  dependsOnEpicId: number | null;
  thresholdPercent: number;
}

/** An epic's totals, all its tasks counted (done ones too), cancelled excluded. */
export interface SimEpic {
  id: number;
  hoursTotal: number;
  hoursDone: number;
  tasksTotal: number;
  tasksDone: number;
}

export interface SimInput {
  /** Tasks not done and not cancelled; a dependency on any other task is already met. */
  tasks: readonly SimTask[];
  edges: readonly SimEdge[];
  epics: readonly SimEpic[];
  /** Parallel workers (sum of the active agents' capacities). */
  workers: number;
}

export interface SimResult {
  /** Estimate-hours from now until the last remaining task completes. */
  makespanHours: number;
  /** Tasks that can never start (a dependency cycle, or a prerequisite that can never be met). */
  stuck: number[];
  /** Completion time (estimate-hours from now) of each simulated task. */
  finish: Map<number, number>;
}

interface Node {
  t: SimTask;
  duration: number;
  unmet: number;
  dependents: number[];
  needsWorker: boolean;
}

export function simulateRemaining(input: SimInput): SimResult {
  const workers = Math.max(0, Math.floor(input.workers));
  const nodes = new Map<number, Node>();
  for (const t of input.tasks) {
    const running = t.status === 'assigned' || t.status === 'in_progress';
    const left = running ? t.hours * (1 - Math.min(100, Math.max(0, t.percentComplete ?? 0)) / 100) : t.hours;
    // Work in review needs no agent: it completes when merged (taken as now).
    nodes.set(t.id, { t, duration: t.status === 'in_review' ? 0 : Math.max(0, left), unmet: 0, dependents: [], needsWorker: t.status !== 'in_review' });
  }

  const epics = new Map(input.epics.map((e) => [e.id, { ...e }]));
  const percentOf = (epicId: number): number => {
    const e = epics.get(epicId);
    if (!e) return 100;
    if (e.hoursTotal > 0) return (100 * e.hoursDone) / e.hoursTotal;
    if (e.tasksTotal === 0) return 100;
    return (100 * e.tasksDone) / e.tasksTotal;
  };
  // Waiters on an epic's percent, lowest threshold first.
  const epicWaiters = new Map<number, { taskId: number; threshold: number }[]>();
  const tasksOfEpic = new Map<number, number[]>();
  for (const n of nodes.values()) {
    const list = tasksOfEpic.get(n.t.epicId) ?? [];
    list.push(n.t.id);
    tasksOfEpic.set(n.t.epicId, list);
  }

  const seen = new Set<string>();
  const addPrereq = (taskId: number, e: SimEdge) => {
    const n = nodes.get(taskId);
    if (!n) return;
    if (e.dependsOnTaskId !== null) {
      const key = `${taskId}:t${e.dependsOnTaskId}`;
      if (seen.has(key) || e.dependsOnTaskId === taskId) return;
      seen.add(key);
      const pre = nodes.get(e.dependsOnTaskId);
      if (!pre) return; // done or cancelled: met
      pre.dependents.push(taskId);
      n.unmet++;
    } else if (e.dependsOnEpicId !== null) {
      const key = `${taskId}:e${e.dependsOnEpicId}@${e.thresholdPercent}`;
      if (seen.has(key)) return;
      seen.add(key);
      if (percentOf(e.dependsOnEpicId) + 1e-9 >= e.thresholdPercent) return;
      const w = epicWaiters.get(e.dependsOnEpicId) ?? [];
      w.push({ taskId, threshold: e.thresholdPercent });
      epicWaiters.set(e.dependsOnEpicId, w);
      n.unmet++;
    }
  };
  for (const e of input.edges) {
    if (e.taskId !== null) addPrereq(e.taskId, e);
    else if (e.epicId !== null) for (const id of tasksOfEpic.get(e.epicId) ?? []) addPrereq(id, e);
  }
  for (const w of epicWaiters.values()) w.sort((a, b) => a.threshold - b.threshold);

  const ready = new Heap<Node>((a, b) =>
    a.t.level !== b.t.level ? a.t.level > b.t.level : a.t.priority !== b.t.priority ? a.t.priority < b.t.priority : a.t.id < b.t.id,
  );
  const events = new Heap<{ at: number; node: Node }>((a, b) => (a.at !== b.at ? a.at < b.at : a.node.t.id < b.node.t.id));
  const finish = new Map<number, number>();
  let now = 0;
  let free = workers;

  // What is already running keeps its agent, whatever the order would say.
  for (const n of nodes.values()) {
    if (n.t.status === 'assigned' || n.t.status === 'in_progress') {
      free--;
      events.push({ at: n.duration, node: n });
    } else if (n.t.status === 'in_review') {
      events.push({ at: 0, node: n });
    }
  }
  const becameReady = (n: Node) => {
    if (n.t.status === 'assigned' || n.t.status === 'in_progress' || n.t.status === 'in_review') return;
    ready.push(n);
  };
  for (const n of nodes.values()) if (n.unmet === 0) becameReady(n);

  const release = (taskId: number) => {
    const n = nodes.get(taskId);
    if (!n) return;
    n.unmet--;
    if (n.unmet === 0) becameReady(n);
  };
  const complete = (n: Node) => {
    finish.set(n.t.id, now);
    const e = epics.get(n.t.epicId);
    if (e) {
      e.hoursDone += n.t.hours;
      e.tasksDone += 1;
      const waiters = epicWaiters.get(n.t.epicId);
      if (waiters?.length) {
        const p = percentOf(n.t.epicId);
        while (waiters.length && p + 1e-9 >= waiters[0]!.threshold) release(waiters.shift()!.taskId);
      }
    }
    for (const d of n.dependents) release(d);
  };

  if (workers === 0 && ready.size) {
    // Nobody to do the work: it never finishes.
    return { makespanHours: Infinity, stuck: [...nodes.keys()].filter((id) => !finish.has(id)), finish };
  }
  for (;;) {
    while (free > 0 && ready.size) {
      const n = ready.pop()!;
      free--;
      events.push({ at: now + n.duration, node: n });
    }
    const ev = events.pop();
    if (!ev) break;
    now = ev.at;
    if (ev.node.needsWorker) free++;
    complete(ev.node);
    while (events.size && events.peek()!.at === now) {
      const more = events.pop()!;
      if (more.node.needsWorker) free++;
      complete(more.node);
    }
  }
  const stuck = [...nodes.keys()].filter((id) => !finish.has(id));
  return { makespanHours: now, stuck, finish };
}
