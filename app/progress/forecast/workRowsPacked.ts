import type { DependencyRow, EpicTotalsRow, WorkRow } from './fromRows.js';

/** The database rows a forecast starts from (app/progress/forecast/sql). */
export interface WorkRows {
  rows: readonly WorkRow[];
  deps: readonly DependencyRow[];
  epics: readonly EpicTotalsRow[];
}

/**
 * The same rows as a few flat arrays, for a worker thread: posting 5,000 row objects to a
 * worker cost the event loop about 20 ms of structured cloning, a handful of typed arrays and
 * two strings cost under a millisecond. Nulls travel as NaN.
 */
export interface PackedWorkRows {
  /** Per task: id, epicId, hours, percent, priority, status (index into `statuses`). */
  tasks: Float64Array;
  /** JSON arrays: each task's key, and the distinct statuses. */
  keys: string;
  statuses: string;
  /** Per dependency: taskId, epicId, dependsOnTaskId, dependsOnEpicId, thresholdPercent. */
  deps: Float64Array;
  /** Per epic: id, hoursTotal, hoursDone, tasksTotal, tasksDone. */
  epics: Float64Array;
}

const TASK = 6;
const DEP = 5;
const EPIC = 5;
const orNaN = (x: number | null | undefined): number => (x === null || x === undefined ? NaN : x);
const orNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function packWorkRows(w: WorkRows): PackedWorkRows {
  const statusIndex = new Map<string, number>();
  const tasks = new Float64Array(w.rows.length * TASK);
  w.rows.forEach((r, i) => {
    let s = statusIndex.get(r.status);
    if (s === undefined) statusIndex.set(r.status, (s = statusIndex.size));
    tasks.set([r.id, r.epicId, r.hours, r.percent, r.priority, s], i * TASK);
  });
  const deps = new Float64Array(w.deps.length * DEP);
  w.deps.forEach((d, i) => deps.set([orNaN(d.taskId), orNaN(d.epicId), orNaN(d.dependsOnTaskId), orNaN(d.dependsOnEpicId), d.thresholdPercent], i * DEP));
  const epics = new Float64Array(w.epics.length * EPIC);
  w.epics.forEach((e, i) => epics.set([e.id, e.hoursTotal, e.hoursDone, e.tasksTotal, e.tasksDone], i * EPIC));
  return { tasks, keys: JSON.stringify(w.rows.map((r) => r.key)), statuses: JSON.stringify([...statusIndex.keys()]), deps, epics };
}

export function unpackWorkRows(p: PackedWorkRows): WorkRows {
  const keys = JSON.parse(p.keys) as string[];
  const statuses = JSON.parse(p.statuses) as string[];
  const rows: WorkRow[] = [];
  for (let i = 0; i < p.tasks.length / TASK; i++) {
    const t = p.tasks.subarray(i * TASK, (i + 1) * TASK);
    rows.push({ id: t[0]!, key: keys[i]!, epicId: t[1]!, hours: t[2]!, status: statuses[t[5]!]!, percent: t[3]!, priority: t[4]! });
  }
  const deps: DependencyRow[] = [];
  for (let i = 0; i < p.deps.length / DEP; i++) {
    const d = p.deps.subarray(i * DEP, (i + 1) * DEP);
    deps.push({ taskId: orNull(d[0]!), epicId: orNull(d[1]!), dependsOnTaskId: orNull(d[2]!), dependsOnEpicId: orNull(d[3]!), thresholdPercent: d[4]! });
  }
  const epics: EpicTotalsRow[] = [];
  for (let i = 0; i < p.epics.length / EPIC; i++) {
    const e = p.epics.subarray(i * EPIC, (i + 1) * EPIC);
    epics.push({ id: e[0]!, hoursTotal: e[1]!, hoursDone: e[2]!, tasksTotal: e[3]!, tasksDone: e[4]! });
  }
  return { rows, deps, epics };
}
